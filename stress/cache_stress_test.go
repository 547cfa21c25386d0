package stress

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestCacheHammer: callers() goroutines make 4 keyed calls each
// over 64 keys, through Get and through a composition, on a store too small
// for them (32 entries), on the real clock with a TTL short enough that
// entries expire and go stale during the run. Every call is counted once:
// Hits + Misses = Calls = the calls made; Misses = the backend's calls;
// Stored = the backend's successes; and every value a caller got is one the
// backend returned for that key.
func TestCacheHammer(t *testing.T) {
	eng := enginetest.Start(t)
	c, err := cache.New[string](eng, "hammer", cache.Config{TTL: 2 * time.Millisecond, StaleFor: time.Millisecond,
		MaxEntries: 32}, nil)
	if err != nil {
		t.Fatal(err)
	}
	comp := engine.Chain(engine.UsePolicy(cache.For(c)))
	var backend atomic.Uint64
	var ctxs [64]context.Context
	var keys [64]string
	for i := range ctxs {
		keys[i] = fmt.Sprint(i)
		ctxs[i] = cache.WithKey(context.Background(), keys[i])
	}
	var wg sync.WaitGroup
	n, r := callers(), 4
	for g := range n {
		wg.Go(func() {
			for i := range r {
				k := (g + i*7) % len(ctxs)
				key := keys[k]
				fn := func(context.Context) (string, error) {
					backend.Add(1)
					return key, nil
				}
				var v string
				var err error
				if i%2 == 0 {
					v, err = c.Get(context.Background(), key, fn)
				} else {
					v, err = comp.Get(ctxs[k], fn)
				}
				if err != nil || v != key {
					t.Errorf("key %s: got %q, %v", key, v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	st, err := c.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	calls := uint64(n * r)
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"Calls", st.Calls, calls},
		{"Hits+Misses", st.Hits + st.Misses, calls},
		{"Misses", st.Misses, backend.Load()},
		{"Stored", st.Stored, backend.Load()},
		{"NegativeHits", st.NegativeHits, 0},
		{"Bypassed", st.Bypassed, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d (stats %+v)", c.name, c.got, c.want, st)
		}
	}
	if st.Refreshes > st.Misses || st.StaleHits > st.Hits {
		t.Errorf("sub-counts past their totals: %+v", st)
	}
	if l := c.Store().(*cache.MemoryStore[string]).Len(); l > 32 {
		t.Errorf("store holds %d entries, want at most 32", l)
	}
	t.Logf("%+v", st)
}

// TestCacheStaleStorm: 16 keys go stale on the fake clock; callers()
// goroutines then ask for them while each key's refresh is held inside the
// backend. Exactly one refresh per key runs; every other caller gets the
// stale value at once; after the refreshes every caller gets the new one.
func TestCacheStaleStorm(t *testing.T) {
	eng, fc := enginetest.StartFake(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := cache.New[int](eng, "storm", cache.Config{TTL: time.Second, StaleFor: time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const keys = 16
	ctx := context.Background()
	for k := range keys {
		c.Get(ctx, fmt.Sprint(k), func(context.Context) (int, error) { return 1, nil })
	}
	fc.Advance(2 * time.Second)
	var refreshes atomic.Int64
	release := make(chan struct{})
	var refreshing sync.WaitGroup
	refreshing.Add(keys)
	refresh := func(context.Context) (int, error) {
		refreshes.Add(1)
		refreshing.Done()
		<-release
		return 2, nil
	}
	n := callers()
	var stale atomic.Int64
	var wg, staleDone sync.WaitGroup
	staleDone.Add(n - keys)
	for g := range n {
		wg.Go(func() {
			v, err := c.Get(ctx, fmt.Sprint(g%keys), refresh)
			switch {
			case err != nil:
				t.Errorf("Get: %v", err)
			case v == 1:
				stale.Add(1)
				staleDone.Done()
			case v != 2:
				t.Errorf("Get = %d, want 1 or 2", v)
			}
		})
	}
	refreshing.Wait() // one caller per key is inside the backend
	staleDone.Wait()  // every other caller got the stale value meanwhile
	close(release)
	wg.Wait()
	if got := refreshes.Load(); got != keys {
		t.Errorf("refreshes = %d, want %d", got, keys)
	}
	if got := stale.Load(); got != int64(n-keys) {
		t.Errorf("stale answers = %d, want %d", got, n-keys)
	}
	st, err := c.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if st.Calls != uint64(n+keys) || st.Hits+st.Misses != st.Calls || st.Refreshes != keys ||
		st.StaleHits != uint64(n-keys) || st.Misses != 2*keys {
		t.Errorf("Stats = %+v, want Calls %d, Misses %d, Refreshes %d, StaleHits %d", st, n+keys, 2*keys, keys, n-keys)
	}
	for k := range keys {
		if v, _ := c.Get(ctx, fmt.Sprint(k), refresh); v != 2 {
			t.Errorf("key %d after refresh = %d, want 2", k, v)
		}
	}
}
