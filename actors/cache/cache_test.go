package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// counter is a backend that counts its calls and returns the count.
type counter struct {
	n   atomic.Int64
	err error
}

func (c *counter) call(context.Context) (int64, error) {
	n := c.n.Add(1)
	if c.err != nil {
		return 0, c.err
	}
	return n, nil
}

func newCache(t *testing.T, cfg cache.Config) (*cache.Cache[int64], *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, fc := enginetest.StartFake(t, t0)
	c, err := cache.New[int64](eng, "test", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, fc, eng
}

func wantStats(t *testing.T, c *cache.Cache[int64], want cache.Stats) {
	t.Helper()
	want.Name = c.Name()
	if got := stats(t, c); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

// TestTTL steps a 10 s TTL on the fake clock: each row is a Get at a time.
func TestTTL(t *testing.T) {
	c, fc, _ := newCache(t, cache.Config{TTL: 10 * time.Second})
	var be counter
	ctx := context.Background()
	for _, step := range []struct {
		at    time.Duration
		key   string
		want  int64
		calls int64
	}{
		{0, "a", 1, 1},
		{time.Second, "a", 1, 1},
		{0, "b", 2, 2},
		{10*time.Second - 1, "a", 1, 2},
		{10 * time.Second, "a", 3, 3},
		{15 * time.Second, "a", 3, 3},
		{20 * time.Second, "a", 4, 4},
	} {
		fc.Set(t0.Add(step.at))
		got, err := c.Get(ctx, step.key, be.call)
		if err != nil || got != step.want || be.n.Load() != step.calls {
			t.Fatalf("at +%v Get(%q) = %d, %v (backend calls %d), want %d, nil (%d calls)",
				step.at, step.key, got, err, be.n.Load(), step.want, step.calls)
		}
	}
	wantStats(t, c, cache.Stats{Calls: 7, Hits: 3, Misses: 4, Stored: 4})
}

// TestStaleWhileRevalidate: in the stale window one caller refreshes
// (blocked inside the function) while every other caller gets the stale
// value at once; after the refresh, the new value is fresh; past the stale
// window it is a plain miss.
func TestStaleWhileRevalidate(t *testing.T) {
	c, fc, _ := newCache(t, cache.Config{TTL: 10 * time.Second, StaleFor: 5 * time.Second})
	ctx := context.Background()
	if v, _ := c.Get(ctx, "k", func(context.Context) (int64, error) { return 1, nil }); v != 1 {
		t.Fatalf("first Get = %d, want 1", v)
	}
	fc.Set(t0.Add(12 * time.Second))
	entered, release := make(chan struct{}), make(chan struct{})
	var refreshes atomic.Int64
	refresh := func(context.Context) (int64, error) {
		refreshes.Add(1)
		close(entered)
		<-release
		return 2, nil
	}
	done := make(chan int64)
	go func() {
		v, _ := c.Get(ctx, "k", refresh)
		done <- v
	}()
	<-entered
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			v, err := c.Get(ctx, "k", refresh)
			if v != 1 || err != nil {
				t.Errorf("Get during refresh = %d, %v, want stale 1, nil", v, err)
			}
		})
	}
	wg.Wait()
	close(release)
	if v := <-done; v != 2 {
		t.Errorf("refresher got %d, want 2", v)
	}
	if got := refreshes.Load(); got != 1 {
		t.Errorf("refreshes = %d, want 1", got)
	}
	if v, _ := c.Get(ctx, "k", refresh); v != 2 {
		t.Errorf("Get after refresh = %d, want 2", v)
	}
	fc.Set(t0.Add(12*time.Second + 15*time.Second))
	if v, _ := c.Get(ctx, "k", func(context.Context) (int64, error) { return 3, nil }); v != 3 {
		t.Errorf("Get past the stale window = %d, want 3 (a miss)", v)
	}
	wantStats(t, c, cache.Stats{Calls: 54, Hits: 51, StaleHits: 50, Misses: 3, Refreshes: 1, Stored: 3})
}

// TestFailedRefreshKeepsStale: a refresh that fails with an uncached error
// returns it to its caller, and the next caller refreshes again.
func TestFailedRefreshKeepsStale(t *testing.T) {
	c, fc, _ := newCache(t, cache.Config{TTL: time.Second, StaleFor: time.Minute})
	ctx := context.Background()
	boom := errors.New("boom")
	c.Get(ctx, "k", func(context.Context) (int64, error) { return 1, nil })
	fc.Advance(2 * time.Second)
	if _, err := c.Get(ctx, "k", func(context.Context) (int64, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("failed refresh err = %v, want boom", err)
	}
	if v, _ := c.Get(ctx, "k", func(context.Context) (int64, error) { return 2, nil }); v != 2 {
		t.Errorf("next Get = %d, want 2 (a second refresh)", v)
	}
	wantStats(t, c, cache.Stats{Calls: 3, Misses: 3, Refreshes: 2, Stored: 2})
}

// TestRefreshPanicReleases: a refresh whose function panics lets the next
// caller refresh.
func TestRefreshPanicReleases(t *testing.T) {
	c, fc, _ := newCache(t, cache.Config{TTL: time.Second, StaleFor: time.Minute})
	ctx := context.Background()
	c.Get(ctx, "k", func(context.Context) (int64, error) { return 1, nil })
	fc.Advance(2 * time.Second)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic did not reach the caller")
			}
		}()
		c.Get(ctx, "k", func(context.Context) (int64, error) { panic("x") })
	}()
	if v, _ := c.Get(ctx, "k", func(context.Context) (int64, error) { return 2, nil }); v != 2 {
		t.Errorf("Get after a panicked refresh = %d, want 2", v)
	}
}

func TestNegativeCaching(t *testing.T) {
	boom := errors.New("boom")
	c, fc, _ := newCache(t, cache.Config{TTL: time.Minute, NegativeTTL: 5 * time.Second,
		Negative: func(err error) bool { return errors.Is(err, boom) }})
	ctx := context.Background()
	be := counter{err: boom}
	for _, step := range []struct {
		at    time.Duration
		calls int64
	}{{0, 1}, {time.Second, 1}, {5*time.Second - 1, 1}, {5 * time.Second, 2}, {6 * time.Second, 2}} {
		fc.Set(t0.Add(step.at))
		if _, err := c.Get(ctx, "k", be.call); !errors.Is(err, boom) || be.n.Load() != step.calls {
			t.Fatalf("at +%v: err %v, calls %d, want boom, %d", step.at, err, be.n.Load(), step.calls)
		}
	}
	// Refusals and other errors are not cached.
	for _, err := range []error{messages.ErrCircuitOpen, errors.New("other")} {
		be := counter{err: err}
		c.Get(ctx, "r", be.call)
		c.Get(ctx, "r", be.call)
		if got := be.n.Load(); got != 2 {
			t.Errorf("%v: calls = %d, want 2 (not cached)", err, got)
		}
	}
	wantStats(t, c, cache.Stats{Calls: 9, Hits: 3, NegativeHits: 3, Misses: 6, Stored: 2})
}

func TestGaveUpAndStopped(t *testing.T) {
	c, _, eng := newCache(t, cache.Config{})
	be := counter{}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Get(ended, "k", be.call); !errors.Is(err, context.Canceled) || be.n.Load() != 0 {
		t.Errorf("ended ctx: err %v, calls %d, want Canceled, 0", err, be.n.Load())
	}
	// A caller who gives up while the function runs gets ctx's error; the
	// value is kept for the next caller.
	ctx, cancel := context.WithCancel(context.Background())
	_, err := c.Get(ctx, "k", func(context.Context) (int64, error) { cancel(); return 9, nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("gave up: err %v, want Canceled", err)
	}
	if v, err := c.Get(context.Background(), "k", be.call); v != 9 || err != nil {
		t.Errorf("next Get = %d, %v, want the kept 9", v, err)
	}
	if _, err := c.Get(context.Background(), "k", nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("nil fn: err %v, want ErrInvalidConfig", err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), "k", be.call); !errors.Is(err, messages.ErrStopped) || be.n.Load() != 0 {
		t.Errorf("after Shutdown: err %v, calls %d, want ErrStopped, 0", err, be.n.Load())
	}
	comp := engine.Chain(engine.UsePolicy(cache.For(c)))
	if _, err := comp.Get(context.Background(), be.call); !errors.Is(err, messages.ErrStopped) {
		t.Errorf("after Shutdown, uncached call in a chain: err %v, want ErrStopped", err)
	}
}

// TestInComposition: keys from the context (WithKey, or Config.Key), and a
// call without a key runs uncached.
func TestInComposition(t *testing.T) {
	c, _, _ := newCache(t, cache.Config{})
	be := counter{}
	comp := engine.Chain(engine.UsePolicy(cache.For(c)))
	ctx := cache.WithKey(context.Background(), "k")
	for range 3 {
		if v, err := comp.Get(ctx, be.call); v != 1 || err != nil {
			t.Fatalf("Get = %d, %v, want 1, nil", v, err)
		}
	}
	if v, _ := comp.Get(context.Background(), be.call); v != 2 {
		t.Errorf("no key: Get = %d, want 2 (uncached)", v)
	}
	wantStats(t, c, cache.Stats{Calls: 3, Hits: 2, Misses: 1, Stored: 1, Bypassed: 1})

	type tenant struct{}
	byTenant, err := cache.New[int64](nil, "t", cache.Config{Key: func(ctx context.Context) (string, bool) {
		s, ok := ctx.Value(tenant{}).(string)
		return s, ok
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	comp = engine.Chain(engine.UsePolicy(cache.For(byTenant)))
	a := context.WithValue(context.Background(), tenant{}, "a")
	comp.Get(a, be.call)
	if v, _ := comp.Get(a, be.call); v != 3 {
		t.Errorf("Config.Key: Get = %d, want 3 (cached)", v)
	}
	c.Invalidate("k")
	if v, _ := c.Get(ctx, "k", be.call); v != 4 {
		t.Errorf("after Invalidate: Get = %d, want 4 (a miss)", v)
	}
}

// droppingStore keeps the first entry of each key and drops every later
// Set, as a full store may.
type droppingStore struct{ m sync.Map }

func (s *droppingStore) Get(key string) (*cache.Entry[int64], bool) {
	v, ok := s.m.Load(key)
	if !ok {
		return nil, false
	}
	return v.(*cache.Entry[int64]), true
}
func (s *droppingStore) Set(key string, e *cache.Entry[int64]) { s.m.LoadOrStore(key, e) }
func (s *droppingStore) Delete(key string)                     { s.m.Delete(key) }

// TestRefreshDroppedByStore: when the store drops a refreshed entry, the
// stale one is refreshed again by the next caller rather than served
// stale until it expires.
func TestRefreshDroppedByStore(t *testing.T) {
	eng, fc := enginetest.StartFake(t, t0)
	c, err := cache.New[int64](eng, "drop", cache.Config{TTL: time.Second, StaleFor: time.Minute}, &droppingStore{})
	if err != nil {
		t.Fatal(err)
	}
	var be counter
	ctx := context.Background()
	c.Get(ctx, "k", be.call)
	fc.Advance(2 * time.Second)
	for i, want := range []int64{2, 3} {
		if v, _ := c.Get(ctx, "k", be.call); v != want {
			t.Errorf("Get %d in the stale window = %d, want %d (a refresh)", i, v, want)
		}
	}
}

// stats returns c's Stats, failing t if they come with an error.
func stats[V any](t testing.TB, c *cache.Cache[V]) cache.Stats {
	t.Helper()
	s, err := c.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

// After Shutdown, Stats still returns the counts, with ErrStopped.
func TestStatsAfterShutdown(t *testing.T) {
	c, _, eng := newCache(t, cache.Config{})
	var b counter
	if _, err := c.Get(context.Background(), "k", b.call); err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := c.Stats(context.Background())
	if !errors.Is(err, messages.ErrStopped) || st.Misses != 1 || st.Name != "test" {
		t.Fatalf("Stats after Shutdown: got %+v, %v; want 1 miss, ErrStopped", st, err)
	}
}
