package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
)

// Side-by-side figures with golang.org/x/time/rate are in
// stress/peers/ratelimit_test.go; these measure the limiter alone.

const benchRate = "1000000000/second" // every decision is an admission

func benchLimiter(b *testing.B) *ratelimit.Limiter {
	b.Helper()
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eng.Shutdown(ctx)
	})
	l, err := ratelimit.New(eng, "bench", ratelimit.Config{})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func benchKeys(b *testing.B, l *ratelimit.Limiter, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "user-" + strconv.Itoa(i)
		if err := l.Allow(context.Background(), keys[i], benchRate); err != nil {
			b.Fatal(err)
		}
	}
	return keys
}

func BenchmarkAllowHotKey(b *testing.B) {
	l := benchLimiter(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := l.Allow(ctx, "hot", benchRate); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := l.Allow(ctx, "hot", benchRate); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// One hot key bound once with Limiter.Guard: no parsing, hashing or table
// look-up per decision.
func BenchmarkGuardHotKey(b *testing.B) {
	l := benchLimiter(b)
	g, err := l.Guard("hot", ratelimit.MustParseRate(benchRate))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := g.Allow(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := g.Allow(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// A hot key over its limit: Check refuses without allocating.
func BenchmarkCheckHotKeyRefused(b *testing.B) {
	l := benchLimiter(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Check(ctx, "hot", "1/hour"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAllow100kKeys(b *testing.B) {
	l := benchLimiter(b)
	keys := benchKeys(b, l, 100_000)
	ctx := context.Background()
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := l.Allow(ctx, keys[i], benchRate); err != nil {
				b.Fatal(err)
			}
			i++
			if i == len(keys) {
				i = 0
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if err := l.Allow(ctx, keys[i], benchRate); err != nil {
					b.Fatal(err)
				}
				i += 7919 // a prime stride: goroutines spread over keys
				if i >= len(keys) {
					i -= len(keys)
				}
			}
		})
	})
}

// A key's first use is a round trip to its shard actor.
func BenchmarkAllowNewKeys(b *testing.B) {
	l := benchLimiter(b)
	ctx := context.Background()
	buf := []byte("new-")
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		buf = strconv.AppendInt(buf[:4], int64(i), 10)
		i++
		if err := l.Allow(ctx, string(buf), benchRate); err != nil {
			b.Fatal(err)
		}
	}
}
