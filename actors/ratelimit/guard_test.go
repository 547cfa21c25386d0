package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
)

// A malformed rate, or a count the sliding window cannot hold, is refused
// when the guard is made, with an error that quotes it.
func TestGuardRefusesBadRates(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{})
	for _, r := range []ratelimit.Rate{{Count: 0, Period: time.Second}, {Count: -3, Period: time.Minute}, {Count: 1, Period: 0}} {
		g, err := l.Guard("k", r)
		var re *ratelimit.RateError
		if !errors.As(err, &re) || g != nil {
			t.Errorf("Guard(%+v) = %v, %v; want a *RateError", r, g, err)
		}
	}
	w, _, _ := newLimiter(t, ratelimit.Config{Algorithm: ratelimit.SlidingWindow})
	if _, err := w.Guard("k", ratelimit.Rate{Count: 1 << 21, Period: time.Second}); err == nil {
		t.Error("sliding window took a count above 1048575")
	}
}

// A guard and the keyed calls share one limit, before and after the key is
// evicted (the guard's remembered state goes with it).
func TestGuardSharesTheKeysLimit(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, clock, _ := newLimiter(t, ratelimit.Config{Algorithm: alg, SweepInterval: time.Second})
			ctx := context.Background()
			g, err := l.Guard("k", ratelimit.MustParseRate("2/minute"))
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Allow(ctx); err != nil {
				t.Fatalf("first: %v", err)
			}
			if got := allowed(t, l, "k", "2/minute", 2); got != 1 {
				t.Fatalf("keyed calls after one guarded: %d allowed, want 1", got)
			}
			res, err := g.Check(ctx)
			if err != nil || res.Allowed || res.Reason != ratelimit.ReasonExceeded || res.RetryAfter <= 0 {
				t.Fatalf("guard over the limit: %+v, %v", res, err)
			}
			if err := g.Allow(ctx); !errors.Is(err, ratelimit.ErrLimited) {
				t.Fatalf("Allow over the limit: %v", err)
			}
			for range 180 {
				clock.Advance(time.Second) // idle past the window: swept
			}
			if st := stats(t, l); st.ActiveKeys != 0 {
				t.Fatalf("after the window: %d keys, want 0", st.ActiveKeys)
			}
			if got := allowed(t, l, "k", "2/minute", 1); got != 1 {
				t.Fatalf("keyed call after eviction: %d allowed, want 1", got)
			}
			if err := g.Allow(ctx); err != nil {
				t.Fatalf("guard after eviction: %v", err)
			}
			if err := g.Allow(ctx); !errors.Is(err, ratelimit.ErrLimited) {
				t.Fatalf("guard did not find the key's fresh state: %v", err)
			}
			if st := stats(t, l); st.ActiveKeys != 1 {
				t.Fatalf("%d keys, want 1: the guard made a second state for its key", st.ActiveKeys)
			}
		})
	}
}

// 1,000 goroutines through one guard at "10/second" on a stopped clock:
// exactly 10 are allowed, and the limiter counted every decision.
func TestGuardConcurrentExact(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{})
	g, err := l.Guard("hot", ratelimit.MustParseRate("10/second"))
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(func() {
			if g.Allow(context.Background()) == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	st := stats(t, l)
	if ok.Load() != 10 || st.Accepted != 10 || st.Rejected != 990 {
		t.Fatalf("allowed %d (stats %d/%d), want 10 of 1000", ok.Load(), st.Accepted, st.Rejected)
	}
}

// Wait through a guard waits out the key's interval on the engine's clock.
func TestGuardWait(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{})
	g, err := l.Guard("w", ratelimit.MustParseRate("1/second"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := g.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	armed := clock.Timers() // the sweep timer of w's shard
	go func() { done <- g.Wait(ctx) }()
	waitTimers(t, clock, armed+1)
	select {
	case err := <-done:
		t.Fatalf("second Wait returned before its interval: %v", err)
	default:
	}
	clock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("second Wait: %v", err)
	}
}
