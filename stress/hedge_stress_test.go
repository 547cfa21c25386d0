package stress

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// 10,000 callers (1,000 under -short), one call each, on the real clock:
// every tenth call's first attempt is slow (it waits for its context, or
// 50 ms), every other attempt answers at once. Exact counts: every call
// succeeds; attempts run = calls + Hedges; the calls whose value came
// from a hedge are Won; the budget holds (Hedges ≤ BudgetBurst +
// calls × BudgetPercent / 100); every losing attempt ends (goleak).
func TestHedgeStormExactCounts(t *testing.T) {
	eng := enginetest.Start(t)
	cfg := hedge.Config{Delay: 2 * time.Millisecond, MaxHedges: 2, BudgetPercent: 5, BudgetBurst: 20}
	h, err := hedge.New(eng, "storm", cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := callers()
	var attempts, fromHedge, failed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := hedge.Do(context.Background(), h, func(ctx context.Context) (int, error) {
				a := hedge.Attempt(ctx)
				attempts.Add(1)
				if a == 0 && i%10 == 0 {
					select {
					case <-ctx.Done():
						return 0, ctx.Err()
					case <-time.After(50 * time.Millisecond):
					}
				}
				return a, nil
			})
			switch {
			case err != nil:
				failed.Add(1)
			case v > 0:
				fromHedge.Add(1)
			}
		}()
	}
	wg.Wait()
	st, err := h.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	if failed.Load() != 0 || st.Calls != uint64(n) || st.Succeeded != uint64(n) {
		t.Fatalf("got %d failed callers, %+v; want %d calls, all succeeded", failed.Load(), st, n)
	}
	// Attempts still running (losers) have been counted when they started.
	if got, want := attempts.Load(), int64(n)+int64(st.Hedges); got != want {
		t.Fatalf("attempts: got %d, want calls + hedges = %d", got, want)
	}
	if got := fromHedge.Load(); got != int64(st.Won) {
		t.Fatalf("calls answered by a hedge: got %d, Stats.Won %d", got, st.Won)
	}
	if limit := uint64(cfg.BudgetBurst) + uint64(n)*uint64(cfg.BudgetPercent)/100; st.Hedges > limit {
		t.Fatalf("budget broken: %d hedges for %d calls, limit %d", st.Hedges, n, limit)
	}
	if st.Hedges == 0 {
		t.Fatalf("no hedge in %+v: the slow calls were never hedged", st)
	}
	t.Logf("%+v", st)
}

// 64 callers × 200 calls (50 under -short) on one Hedge, on the real
// clock, where the real clock's channels and timers are kept between
// calls: every call's attempts answer with the call's own number, and
// the calls mix every way a channel can still be sent on when its call
// returns: a loser that answers after the hedge won (and ignores its
// context), a failure that hedges at once (re-arming the timer, which may
// be firing), an answer racing the delay, and a plain fast call. Every
// call gets a value of its own (a channel reused too early would hand a
// call another's outcome number, so a zero or a stranger's value), and
// every attempt ends (goleak).
func TestHedgeRealClockReuseOwnResult(t *testing.T) {
	h, err := hedge.New(nil, "reuse", hedge.Config{Delay: 200 * time.Microsecond, MaxHedges: 2,
		BudgetPercent: 300, BudgetBurst: 100})
	if err != nil {
		t.Fatal(err)
	}
	calls := 200
	if testing.Short() {
		calls = 50
	}
	var id, wrong atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				me := int(id.Add(1))
				v, err := hedge.Do(context.Background(), h, func(ctx context.Context) (int, error) {
					a := hedge.Attempt(ctx)
					if a == 0 {
						switch me % 4 {
						case 1: // loses to the hedge, answers late
							time.Sleep(time.Millisecond)
						case 2: // fails: the hedge starts at once
							return 0, errBackend
						case 3: // about the delay
							time.Sleep(200 * time.Microsecond)
						}
					}
					return me*10 + a, nil
				})
				if err != nil || v/10 != me {
					wrong.Add(1)
					t.Errorf("call %d got %d, %v; want %d0 + its attempt", me, v, err, me)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 {
		t.Fatalf("%d calls got another's result", wrong.Load())
	}
	st, _ := h.Stats(context.Background())
	t.Logf("%+v", st)
}
