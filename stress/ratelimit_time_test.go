package stress

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// grant is one admitted call as its caller saw it: the limiter decided it
// at some instant in [from, to] (clock readings just before the call and
// just after it returned; for Wait, the permit's time, which the call
// sleeps until, lies in it too).
type grant struct{ from, to time.Duration }

// TestRateLimiterRealClock hammers one key on the real clock with 1, 8 and
// 64 goroutines, through every entry point (Allow, Check, a KeyGuard, Wait;
// their …Rate forms, as the rate's 100 ms period has no string form) under
// both algorithms, and checks that the limiter never grants more
// than burst + rate*t in any interval: for every pair of observed instants
// a <= b, the grants known to lie in [a, b] number at most
// Count + floor((b-a)*Count/Period). "Known to lie in" means from >= a and
// to <= b: a grant whose call straddles a or b may have been decided
// outside, so it is not counted (the check never charges the limiter for a
// grant it cannot place; it loses power only for calls descheduled across
// a boundary). The limiter reads the same monotonic clock at a nanosecond
// resolution and both algorithms are exact at it, so no slack is added.
// Before the fix of issue 13.5 the sliding window admitted several times
// the bound here, as callers descheduled between reading the clock and
// deciding wrote back a stale window.
func TestRateLimiterRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	rate := ratelimit.Rate{Count: 50, Period: 100 * time.Millisecond} // windows end every 100 ms
	const run = 400 * time.Millisecond
	for _, alg := range []ratelimit.Algorithm{ratelimit.GCRA, ratelimit.SlidingWindow} {
		for _, entry := range []string{"Allow", "Check", "KeyGuard", "Wait"} {
			for _, workers := range []int{1, 8, 64} {
				t.Run(fmt.Sprintf("%v/%s/%d", alg, entry, workers), func(t *testing.T) {
					grants := hammerRealClock(t, alg, entry, workers, rate, run)
					if len(grants) < int(rate.Count) {
						t.Fatalf("got %d grants in %v, want at least the burst of %d", len(grants), run, rate.Count)
					}
					if n, a, b, bound := worstInterval(grants, rate); n > bound {
						t.Fatalf("got %d grants within [%v, %v] (%v), want at most burst + rate*t = %d",
							n, a, b, b-a, bound)
					}
				})
			}
		}
	}
}

// hammerRealClock runs workers goroutines calling entry on one key for run
// and returns the grants they saw, in no order.
func hammerRealClock(t *testing.T, alg ratelimit.Algorithm, entry string, workers int, rate ratelimit.Rate, run time.Duration) []grant {
	t.Helper()
	eng := enginetest.Start(t)
	l, err := ratelimit.New(eng, "rt", ratelimit.Config{Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	g, err := l.Guard("k", rate)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(run))
	defer cancel()
	call := func() (bool, error) {
		switch entry {
		case "Allow":
			err := l.AllowRate(ctx, "k", rate)
			if errors.Is(err, ratelimit.ErrLimited) {
				return false, nil
			}
			return err == nil, err
		case "Check":
			res, err := l.CheckRate(ctx, "k", rate)
			return res.Allowed, err
		case "KeyGuard":
			res, err := g.Check(ctx)
			return res.Allowed, err
		default:
			err := l.WaitRate(ctx, "k", rate)
			if errors.Is(err, ratelimit.ErrLimited) || errors.Is(err, context.DeadlineExceeded) {
				return false, nil
			}
			return err == nil, err
		}
	}
	var mu sync.Mutex
	var all []grant
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine []grant
			for ctx.Err() == nil {
				from := time.Since(start)
				ok, err := call()
				to := time.Since(start)
				if err != nil {
					if ctx.Err() == nil { // not the run's end cutting a first-use round trip short
						t.Errorf("%s: %v", entry, err)
					}
					return
				}
				if ok {
					mine = append(mine, grant{from, to})
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all
}

// worstInterval returns the interval [a, b], between a grant's from and a
// grant's to, that holds the most grants beyond its bound
// Count + floor((b-a)*Count/Period), with its count and bound.
func worstInterval(grants []grant, r ratelimit.Rate) (n int, a, b time.Duration, bound int) {
	return worstIntervalAcross(grants, r, nil)
}
