package cache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/eventstream"
)

// Each keyed call publishes one event saying how it was served: miss,
// hit, refresh (with the stale hit of a caller served meanwhile),
// negative hit; a miss carries how long the function took on the
// engine's clock. No event carries the key.
func TestEvents(t *testing.T) {
	c, fc, eng := newCache(t, cache.Config{TTL: time.Second, StaleFor: time.Minute,
		NegativeTTL: time.Second, Negative: func(error) bool { return true }})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{cache.Kind}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx := context.Background()
	slow := func(context.Context) (int64, error) { fc.Advance(3 * time.Millisecond); return 1, nil }
	c.Get(ctx, "user-secret-42", slow) // miss
	c.Get(ctx, "user-secret-42", slow) // hit
	fc.Advance(2 * time.Second)
	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Get(ctx, "user-secret-42", func(context.Context) (int64, error) { close(entered); <-release; return 2, nil })
	}()
	<-entered
	c.Get(ctx, "user-secret-42", slow) // stale hit while the refresh runs
	close(release)
	<-done                                                                                      // refresh
	c.Get(ctx, "bad", func(context.Context) (int64, error) { return 0, errors.New("backend") }) // miss
	c.Get(ctx, "bad", slow)                                                                     // negative hit
	for i, want := range []eventstream.Type{cache.EventCacheMiss, cache.EventCacheHit, cache.EventCacheStaleHit,
		cache.EventCacheRefresh, cache.EventCacheMiss, cache.EventCacheNegativeHit} {
		select {
		case ev := <-sub.C():
			if ev.Type != want || ev.Name != "test" || ev.Fields.Key != "" {
				t.Fatalf("event %d: got %v, want %s without a key", i, ev, want)
			}
			if i == 0 && ev.Fields.Elapsed != 3*time.Millisecond {
				t.Fatalf("miss: got elapsed %v, want 3ms", ev.Fields.Elapsed)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d: none, want %s", i, want)
		}
	}
}

// Without a subscriber a hit costs no allocation for events.
func TestHitWithoutSubscriberAllocatesNothing(t *testing.T) {
	c, _, _ := newCache(t, cache.Config{})
	ctx := context.Background()
	fn := func(context.Context) (int64, error) { return 1, nil }
	c.Get(ctx, "k", fn)
	if n := testing.AllocsPerRun(100, func() { c.Get(ctx, "k", fn) }); n != 0 {
		t.Fatalf("a hit: got %v allocations, want 0", n)
	}
}
