package peers

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
)

// Rate limiting side by side with golang.org/x/time/rate: one hot key
// against one rate.Limiter, and 100,000 keys against a map of
// rate.Limiters behind a sync.Mutex (the usual way to key x/time/rate; the
// mutex is the peer's, Bulwark uses none). The rate is so high that every
// decision is an admission on both sides.
//
//	cd stress/peers && go test -run '^$' -bench RateLimit -benchtime=300ms -cpu 1,2

const (
	peerRate    = "1000000000/second"
	peerKeys    = 100_000
	peerStride  = 7919 // parallel goroutines walk the keys with a prime stride
	peerXLimit  = rate.Limit(1e9)
	peerXBurst  = 1_000_000_000
	peerKeyBase = "user-"
)

func bulwarkLimiter(b *testing.B) *ratelimit.Limiter {
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
	l, err := ratelimit.New(eng, "peers", ratelimit.Config{})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// keyedX is the peer's keyed limiter: a map of rate.Limiters behind a mutex.
type keyedX struct {
	mu   sync.Mutex
	lims map[string]*rate.Limiter
}

func (k *keyedX) allow(key string) bool {
	k.mu.Lock()
	l, ok := k.lims[key]
	if !ok {
		l = rate.NewLimiter(peerXLimit, peerXBurst)
		k.lims[key] = l
	}
	k.mu.Unlock()
	return l.Allow()
}

func peerKeyList() []string {
	keys := make([]string, peerKeys)
	for i := range keys {
		keys[i] = peerKeyBase + strconv.Itoa(i)
	}
	return keys
}

// runKeyed drives allow over keys serially and in parallel.
func runKeyed(b *testing.B, keys []string, allow func(string) bool) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if !allow(keys[i]) {
				b.Fatal("refused")
			}
			if i++; i == len(keys) {
				i = 0
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if !allow(keys[i]) {
					b.Fatal("refused")
				}
				i = (i + peerStride) % len(keys)
			}
		})
	})
}

// BenchmarkRateLimitHotKey: the peers' single limiter is one key bound
// once, so Bulwark's like-for-like is a KeyGuard (no parsing, hashing or
// look-up per call); bulwark-keyed is Allow(ctx, key, rate), which does all
// three on every call.
func BenchmarkRateLimitHotKey(b *testing.B) {
	b.Run("bulwark", func(b *testing.B) {
		g, err := bulwarkLimiter(b).Guard("hot", ratelimit.MustParseRate(peerRate))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		runKeyed(b, []string{"hot"}, func(string) bool { return g.Allow(ctx) == nil })
	})
	b.Run("bulwark-keyed", func(b *testing.B) {
		l := bulwarkLimiter(b)
		ctx := context.Background()
		runKeyed(b, []string{"hot"}, func(k string) bool { return l.Allow(ctx, k, peerRate) == nil })
	})
	b.Run("xtimerate", func(b *testing.B) {
		l := rate.NewLimiter(peerXLimit, peerXBurst)
		runKeyed(b, []string{"hot"}, func(string) bool { return l.Allow() })
	})
}

func BenchmarkRateLimit100kKeys(b *testing.B) {
	keys := peerKeyList()
	b.Run("bulwark", func(b *testing.B) {
		l := bulwarkLimiter(b)
		ctx := context.Background()
		for _, k := range keys {
			_ = l.Allow(ctx, k, peerRate)
		}
		runKeyed(b, keys, func(k string) bool { return l.Allow(ctx, k, peerRate) == nil })
	})
	b.Run("xtimerate-mutex-map", func(b *testing.B) {
		x := &keyedX{lims: make(map[string]*rate.Limiter, len(keys))}
		for _, k := range keys {
			x.allow(k)
		}
		runKeyed(b, keys, x.allow)
	})
}
