package cache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
)

func one(context.Context) (int, error) { return 1, nil }

// BenchmarkHit: parallel hits over 1,024 warm keys.
func BenchmarkHit(b *testing.B) {
	c, err := cache.New[int](nil, "b", cache.Config{TTL: time.Hour}, nil)
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
		c.Get(context.Background(), keys[i], one)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for i := 0; pb.Next(); i++ {
			c.Get(ctx, keys[i&1023], one)
		}
	})
}

// BenchmarkMissEvict: every call misses and stores into a full store
// (CLOCK eviction on every Set).
func BenchmarkMissEvict(b *testing.B) {
	c, err := cache.New[int](nil, "b", cache.Config{TTL: time.Hour, MaxEntries: 256}, nil)
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for i := 0; pb.Next(); i++ {
			c.Get(ctx, keys[(i*257)&4095], one)
		}
	})
}
