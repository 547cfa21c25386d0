package stress

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestBudgetReconfigureRealClock runs 48 goroutines on the real clock
// through a Retry (two attempts, the second after 1 ns) whose first
// attempt always fails, so that each call deposits one call in a retry
// budget and asks it for one retry, while another goroutine flips the
// budget between two configs 40 times:
//
//   - wide: MinPerSecond 200 over a 100 ms Window, a Limit of 20;
//   - narrow: MinPerSecond 100 over a 50 ms Window, a Limit of 5.
//
// RetryRate is 1e-9, so that RetryRate × the calls adds nothing below 10⁹
// calls in a window and each config's Limit is that constant. Checked:
//
//   - every Stats read (after each Reconfigure returned, and by a poller)
//     shows Retries at most Limit: the clamp of a lowering (removing it
//     fails this at once);
//   - in any 45 ms J (nine slices of the narrow window, the least any window
//     covers behind its current slice), the retries surely granted within J
//     (between the end of a caller's first attempt and the start of its
//     second, both in J) are at most 20 + 15·c, c the lowerings (wide to
//     narrow) whose Reconfigure call overlaps J. Not 20: a lowering clamps
//     the counted retries to 5, forgetting up to 15 granted in J, and a
//     raising that follows lets 15 more in;
//   - Stats.Accepted is the retries the callers were granted and
//     Stats.Rejected those the budget refused them, exactly.
func TestBudgetReconfigureRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	const (
		workers, flips = 48, 40
		lmax, lmin     = 20, 5
		covered        = 45 * time.Millisecond
		pause          = 8 * time.Millisecond
		tinyRate       = 1e-9
	)
	wide := retry.BudgetConfig{RetryRate: tinyRate, MinPerSecond: 200, Window: 100 * time.Millisecond}
	narrow := retry.BudgetConfig{RetryRate: tinyRate, MinPerSecond: 100, Window: 50 * time.Millisecond}
	eng := enginetest.Start(t)
	ctx := context.Background()
	b, err := retry.NewBudget(eng, "rcf-budget", wide)
	if err != nil {
		t.Fatal(err)
	}
	r, err := retry.New(eng, "rcf-retry", retry.Config{Budget: b, JitterKind: retry.NoJitter,
		Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Nanosecond, Strategy: retry.Constant}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	since := func() time.Duration { return time.Since(start) }

	// checkStats fails the test when a Stats read shows more retries than
	// its Limit.
	var statsReads atomic.Int64
	checkStats := func(when string) {
		st, err := b.Stats(ctx)
		if err != nil {
			t.Errorf("Stats %s: %v", when, err)
			return
		}
		statsReads.Add(1)
		if st.Retries > st.Limit {
			t.Errorf("Stats %s: Retries %d > Limit %d", when, st.Retries, st.Limit)
		}
	}

	type grant struct{ lo, hi time.Duration }
	type change struct {
		from, to time.Duration
		lowering bool
	}
	var (
		done             atomic.Bool
		wg               sync.WaitGroup
		granted, refused atomic.Uint64
		mu               sync.Mutex
		grants           []grant
		changes          []change
	)
	errFirst := errors.New("first attempt fails")
	for range workers {
		wg.Go(func() {
			var mine []grant
			for !done.Load() {
				var lo, hi time.Duration
				err := r.Execute(ctx, func(context.Context) error {
					if lo == 0 {
						lo = since()
						return errFirst
					}
					hi = since()
					return nil
				})
				var ex *retry.ExhaustedError
				switch {
				case err == nil:
					granted.Add(1)
					mine = append(mine, grant{lo, hi})
				case errors.As(err, &ex) && ex.Reason == retry.ReasonBudget:
					refused.Add(1)
				default:
					t.Errorf("Execute: %v", err)
					return
				}
			}
			mu.Lock()
			grants = append(grants, mine...)
			mu.Unlock()
		})
	}
	wg.Go(func() { // the poller
		for !done.Load() {
			checkStats("while polling")
		}
	})
	for i := range flips {
		cfg, lowering := narrow, true
		if i%2 == 1 {
			cfg, lowering = wide, false
		}
		from := since()
		if err := b.Reconfigure(ctx, cfg); err != nil {
			t.Error(err)
			break
		}
		changes = append(changes, change{from, since(), lowering})
		checkStats("after a Reconfigure")
		time.Sleep(pause) // pacing between flips, not a guess at timing
	}
	done.Store(true)
	wg.Wait()

	st, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != granted.Load() || st.Rejected != refused.Load() {
		t.Errorf("Stats: Accepted %d, Rejected %d; the callers were granted %d, refused %d",
			st.Accepted, st.Rejected, granted.Load(), refused.Load())
	}
	if granted.Load() == 0 || refused.Load() == 0 {
		t.Errorf("granted %d, refused %d: want both, or the budget was never at its limit", granted.Load(), refused.Load())
	}

	sort.Slice(grants, func(i, j int) bool { return grants[i].lo < grants[j].lo })
	worst, worstBound := 0, 0
	for i, g := range grants {
		s, e := g.lo, g.lo+covered
		n := 0
		for _, h := range grants[i:] {
			if h.lo > e {
				break
			}
			if h.hi <= e {
				n++
			}
		}
		c := 0
		for _, ch := range changes {
			if ch.lowering && ch.to >= s && ch.from <= e {
				c++
			}
		}
		bound := lmax + c*(lmax-lmin)
		if n > bound {
			t.Errorf("%d retries granted within [%v, %v], want at most %d (%d lowerings overlap it)", n, s, e, bound, c)
		}
		if n-bound > worst-worstBound || i == 0 {
			worst, worstBound = n, bound
		}
	}
	t.Logf("%d callers, %d flips, %d Stats reads: %d retries granted, %d refused; the fullest 45 ms: %d of at most %d",
		workers, len(changes), statsReads.Load(), granted.Load(), refused.Load(), worst, worstBound)
}
