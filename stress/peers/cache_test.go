package peers

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	fscache "github.com/failsafe-go/failsafe-go/cachepolicy"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/engine"
)

// syncMapCache is failsafe-go's Cache over a sync.Map: lock-free reads, as
// Bulwark's MemoryStore (but with no bound and no TTL).
type syncMapCache[R any] struct{ m sync.Map }

func (c *syncMapCache[R]) Get(key string) (R, bool) {
	v, ok := c.m.Load(key)
	if !ok {
		var zero R
		return zero, false
	}
	return v.(R), true
}

func (c *syncMapCache[R]) Set(key string, v R) { c.m.Store(key, v) }

func cacheKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint("key:", i)
	}
	return keys
}

func bulwarkCache(b *testing.B) *cache.Cache[int] {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Shutdown(context.Background()) })
	c, err := cache.New[int](eng, "bench", cache.Config{TTL: time.Hour}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkCacheHit: every call is a hit on one of 1,024 warm keys, the key
// given per call (bulwark: Cache.Get; failsafe-go: a context carrying
// cachepolicy's key, made once per key, through Executor.WithContext), and
// in a composition (bulwark: Chain(cache) with cache.WithKey contexts).
func BenchmarkCacheHit(b *testing.B) {
	keys := cacheKeys(1024)
	b.Run("bulwark", func(b *testing.B) {
		c := bulwarkCache(b)
		for _, k := range keys {
			c.Get(context.Background(), k, composeNoop)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for i := 0; pb.Next(); i++ {
				if _, err := c.Get(ctx, keys[i&1023], composeNoop); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("bulwark-compose", func(b *testing.B) {
		c := bulwarkCache(b)
		comp := engine.Chain(engine.UsePolicy(cache.For(c)))
		ctxs := make([]context.Context, len(keys))
		for i, k := range keys {
			ctxs[i] = cache.WithKey(context.Background(), k)
			comp.Get(ctxs[i], composeNoop)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := comp.Get(ctxs[i&1023], composeNoop); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("failsafe", func(b *testing.B) {
		store := &syncMapCache[int]{}
		ex := failsafe.With[int](fscache.NewBuilder[int](store).Build())
		ctxs := make([]context.Context, len(keys))
		for i, k := range keys {
			ctxs[i] = fscache.ContextWithCacheKey(context.Background(), k)
			store.Set(k, 1)
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := 0; pb.Next(); i++ {
				if _, err := ex.WithContext(ctxs[i&1023]).Get(composeNoopFS); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkCacheHitFixedKey: every call hits one key fixed at build time
// (failsafe-go's WithKey; bulwark's Get with a constant key).
func BenchmarkCacheHitFixedKey(b *testing.B) {
	b.Run("bulwark", func(b *testing.B) {
		c := bulwarkCache(b)
		c.Get(context.Background(), "k", composeNoop)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if _, err := c.Get(ctx, "k", composeNoop); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("failsafe", func(b *testing.B) {
		store := &syncMapCache[int]{}
		store.Set("k", 1)
		ex := failsafe.With[int](fscache.NewBuilder[int](store).WithKey("k").Build())
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := ex.Get(composeNoopFS); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
