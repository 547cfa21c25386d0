package adaptive_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// TestStress runs 10,000 goroutines against a limiter. With the limit
// pinned (MinLimit = MaxLimit) in-flight never exceeds it at any instant;
// with AIMD moving it under a mix of outcomes it never exceeds MaxLimit.
// Every grant is released once and every permit is back at the end.
func TestStress(t *testing.T) {
	tests := []struct {
		name string
		cfg  adaptive.Config
	}{
		{"pinned", adaptive.Config{InitialLimit: 16, MinLimit: 16, MaxLimit: 16, Window: 10}},
		{"aimd", adaptive.Config{InitialLimit: 16, MinLimit: 2, MaxLimit: 32, Window: 10}},
		{"vegas", adaptive.Config{Algorithm: adaptive.Vegas, InitialLimit: 16, MinLimit: 2, MaxLimit: 32, Window: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const workers = 10000
			l, _, _ := newLimiter(t, tt.cfg)
			var active, granted, released, rejected atomic.Int64
			max := int64(tt.cfg.MaxLimit)
			var wg sync.WaitGroup
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := l.Acquire(context.Background())
					if err != nil {
						if !errors.Is(err, adaptive.ErrLimitExceeded) {
							t.Errorf("Acquire: %v", err)
						}
						rejected.Add(1)
						return
					}
					granted.Add(1)
					if n := active.Add(1); n > max {
						t.Errorf("active %d > %d", n, max)
					}
					runtime.Gosched()
					active.Add(-1)
					released.Add(1)
					o := messages.Success
					if i%4 == 0 {
						o = messages.Failure
					}
					l.Release(p, o)
				}()
			}
			wg.Wait()
			st := stats(t, l)
			if g := granted.Load(); g != released.Load() || g+rejected.Load() != workers || uint64(g) != st.Completed {
				t.Fatalf("granted %d released %d rejected %d completed %d", g, released.Load(), rejected.Load(), st.Completed)
			}
			if st.InFlight != 0 || st.Limit < tt.cfg.MinLimit || st.Limit > tt.cfg.MaxLimit {
				t.Fatalf("got %+v, want nothing in flight and the limit in bounds", st)
			}
			// Exactly Limit permits are back.
			ps := acquireN(t, l, st.Limit)
			if _, err := l.Acquire(context.Background()); !errors.Is(err, adaptive.ErrLimitExceeded) {
				t.Fatalf("Acquire beyond the limit: got %v", err)
			}
			releaseAll(l, ps, messages.Ignored)
			t.Logf("granted %d rejected %d limit %d", granted.Load(), rejected.Load(), st.Limit)
		})
	}
}

// TestExactUnderLoad runs 10,000 goroutines that each make several calls
// with a mix of outcomes against a pinned limit: an atomic gauge of the
// calls between Acquire and Release never exceeds it, and Stats counts
// every Release exactly once, by outcome, and every rejection.
func TestExactUnderLoad(t *testing.T) {
	const workers, calls, limit = 10000, 5, 8
	l, _, _ := newLimiter(t, adaptive.Config{InitialLimit: limit, MinLimit: limit, MaxLimit: limit, Window: 7})
	var active, rejected atomic.Int64
	var counts [3]atomic.Uint64 // by outcome
	outcomes := []messages.Outcome{messages.Success, messages.Failure, messages.Ignored}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for c := range calls {
				p, ok := gauged(t, l, &active, &rejected, limit)
				if !ok {
					continue
				}
				i := (w + c) % 3
				counts[i].Add(1)
				l.Release(p, outcomes[i])
			}
		})
	}
	wg.Wait()
	st := stats(t, l)
	succ, fail, ign := counts[0].Load(), counts[1].Load(), counts[2].Load()
	if st.Succeeded != succ || st.Failed != fail || st.Completed != succ+fail+ign || st.Rejected != uint64(rejected.Load()) ||
		st.Completed+st.Rejected != workers*calls || st.InFlight != 0 || st.Limit != limit {
		t.Fatalf("got %+v; want %d successes, %d failures, %d ignored, %d rejected, nothing in flight", st, succ, fail, ign, rejected.Load())
	}
	// A Release with no permit held is a misuse: it neither counts nor
	// frees a permit the limit does not have.
	l.Release(engine.Permit{}, messages.Success)
	if st2 := stats(t, l); st2.Completed != st.Completed || st2.InFlight != 0 || st2.Misused != 1 {
		t.Fatalf("Release without a grant: got %+v", st2)
	}
	ps := acquireN(t, l, limit)
	if _, err := l.Acquire(context.Background()); !errors.Is(err, adaptive.ErrLimitExceeded) {
		t.Fatalf("Acquire beyond the limit: got %v", err)
	}
	releaseAll(l, ps, messages.Ignored)
}

// Releases alone move the limit: a caller whose report completes its
// stripe's share of a window nudges the actor, which harvests and decides
// with no Stats call. 10,000 concurrent successes raise the limit.
func TestNudgedWithoutStats(t *testing.T) {
	l, _, eng := newLimiter(t, adaptive.Config{InitialLimit: 10000, MinLimit: 1, MaxLimit: 20000, Window: 100})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventLimitChanged}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ps := acquireN(t, l, 10000)
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Go(func() { l.Release(p, messages.Success) })
	}
	wg.Wait()
	select {
	case ev := <-sub.C():
		if ev.Fields.Count != 10000 || ev.Fields.Max != 10001 {
			t.Fatalf("got %v, want limit_changed 10000 -> 10001", ev)
		}
	case <-time.After(10 * time.Second): // a bound on failure, not a guess at timing
		t.Fatal("no limit_changed without Stats: the releases never nudged the actor")
	}
	if got := stats(t, l); got.Limit != 10100 || got.Completed != 10000 {
		t.Fatalf("got %+v, want limit 10100 after 100 windows", got)
	}
}

// TestMisuseStorm runs 64 goroutines on the real clock against a pinned
// limit larger than the slots of one P's cells, so that permits come from
// the cells and from the Ledger. After each Release a worker releases the
// same permit again, the zero Permit and a permit of another limiter. A
// gauge of the calls between Acquire and Release never exceeds the limit;
// Stats, read while it runs, never counts more calls, successes, failures
// or misuses than have begun their Release, and at the end it counts each
// call once by outcome, every rejection and every misuse.
func TestMisuseStorm(t *testing.T) {
	const workers, calls, limit = 64, 300, 56
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	cfg := adaptive.Config{InitialLimit: limit, MinLimit: limit, MaxLimit: limit, Window: 10}
	l, err := adaptive.New(eng, "storm", cfg)
	if err != nil {
		t.Fatal(err)
	}
	other, err := adaptive.New(eng, "other", adaptive.Config{InitialLimit: workers, MaxLimit: workers})
	if err != nil {
		t.Fatal(err)
	}
	outcomes := []messages.Outcome{messages.Success, messages.Failure, messages.Ignored}
	var active, rejected, misuses atomic.Int64
	var begun [3]atomic.Uint64 // Releases begun, by outcome
	done := make(chan struct{})
	watched := make(chan int)
	go func() { // reads Stats while the workers run
		n := 0
		defer func() { watched <- n }()
		for {
			select {
			case <-done:
				return
			default:
			}
			st, err := l.Stats(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			s, f, i := begun[0].Load(), begun[1].Load(), begun[2].Load()
			if st.Succeeded > s || st.Failed > f || st.Completed > s+f+i || st.Misused > uint64(misuses.Load()) || st.InFlight > limit {
				t.Errorf("Stats %+v ahead of the Releases begun: %d successes, %d failures, %d ignored, %d misuses", st, s, f, i, misuses.Load())
				return
			}
			n++
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			foreign, err := other.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			defer other.Release(foreign, messages.Success)
			for c := range calls {
				p, ok := gauged(t, l, &active, &rejected, limit)
				if !ok {
					continue
				}
				k := (w + c) % 3
				begun[k].Add(1)
				l.Release(p, outcomes[k])
				misuses.Add(3)
				l.Release(p, outcomes[k])
				l.Release(engine.Permit{}, messages.Success)
				l.Release(foreign, messages.Failure)
			}
		})
	}
	wg.Wait()
	close(done)
	t.Logf("Stats read %d times while running", <-watched)
	st := stats(t, l)
	s, f, i := begun[0].Load(), begun[1].Load(), begun[2].Load()
	if st.Succeeded != s || st.Failed != f || st.Completed != s+f+i || st.Rejected != uint64(rejected.Load()) ||
		st.Completed+st.Rejected != workers*calls || st.Misused != uint64(misuses.Load()) || st.InFlight != 0 || st.Limit != limit {
		t.Fatalf("got %+v; want %d successes, %d failures, %d ignored, %d rejected, %d misused, nothing in flight",
			st, s, f, i, rejected.Load(), misuses.Load())
	}
	ps := acquireN(t, l, limit)
	if _, err := l.Acquire(context.Background()); !errors.Is(err, adaptive.ErrLimitExceeded) {
		t.Fatalf("Acquire beyond the limit: got %v", err)
	}
	releaseAll(l, ps, messages.Ignored)
}

// gauged acquires a permit of l and holds it across a yield, raising the
// gauge active meanwhile: the gauge never exceeds limit. A refusal is
// counted in rejected (ok false); any other error fails the test.
func gauged(t *testing.T, l *adaptive.Limiter, active, rejected *atomic.Int64, limit int64) (p engine.Permit, ok bool) {
	p, err := l.Acquire(context.Background())
	if err != nil {
		if !errors.Is(err, adaptive.ErrLimitExceeded) {
			t.Errorf("Acquire: %v", err)
		}
		rejected.Add(1)
		return p, false
	}
	if n := active.Add(1); n > limit {
		t.Errorf("in flight %d > limit %d", n, limit)
	}
	runtime.Gosched()
	active.Add(-1)
	return p, true
}
