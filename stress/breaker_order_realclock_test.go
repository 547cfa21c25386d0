package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
)

var errOrderBoom = errors.New("backend failure")

// orderTrigger is one of the breaker's windowed triggers, tuned so that a
// correct breaker opens with a probability below 1e-6 over the whole of
// TestBreakerOrderNeverFalseOpens (24 runs), while the load it gets is
// far below its threshold.
type orderTrigger struct {
	name string
	cfg  circuitbreaker.Config
	// fail and slow are the chances that one call fails or is slow.
	fail, slow float64
	calls      int // per run
	// perGoroutine, if set, caps calls at this many a goroutine.
	perGoroutine int
}

// orderTriggers: every windowed trigger at a load well under its threshold.
//
//   - consecutive: 20 % independent failures against FailureThreshold 17.
//     A run of 17 starts at a given call with probability 0.2^17 ≈ 1.3e-12;
//     over 24 runs of at most 20,000 calls (4.8e5 positions) a correct
//     breaker opens with probability < 1e-6. (The outcomes are independent
//     of the order the calls return in: fn picks its outcome at the same
//     cost either way.)
//   - count-window and time-window failure rate: 10 % failures against a
//     50 % threshold over at least 50 calls: P(Binomial(100, 0.1) ≥ 50) <
//     1e-20 a window, < 1e-12 over every window of every run.
//   - slow-call rate: 10 % of calls sleep 20 ms against SlowCallDuration
//     10 ms and a 50 % threshold over the last 100 calls: the same bound,
//     as long as fast calls are not slowed past 10 ms (they take a few
//     microseconds; one descheduled that long between Acquire and Release
//     counts as slow, far too rarely to reach 50 % even on a loaded
//     machine). At most 400 calls a goroutine, so a run takes about a
//     second.
var orderTriggers = []orderTrigger{
	{name: "consecutive", cfg: circuitbreaker.Config{FailureThreshold: 17}, fail: 0.2, calls: 20000},
	{name: "count-window", cfg: circuitbreaker.Config{OpenAtFailureRate: 0.5, WindowSize: 100, MinimumCalls: 50}, fail: 0.1, calls: 20000},
	{name: "time-window", cfg: circuitbreaker.Config{OpenAtFailureRate: 0.5, WindowType: circuitbreaker.TimeBased,
		WindowDuration: 100 * time.Millisecond, WindowBuckets: 10, MinimumCalls: 50}, fail: 0.1, calls: 20000},
	{name: "slow-call-rate", cfg: circuitbreaker.Config{OpenAtSlowCallRate: 0.5, SlowCallDuration: 10 * time.Millisecond,
		WindowSize: 100, MinimumCalls: 50}, slow: 0.1, calls: 4000, perGoroutine: 400},
}

// TestBreakerOrderNeverFalseOpens runs every windowed trigger on the real
// clock with 1, 8 and 64 goroutines, with and without a subscriber that
// takes call_success events, at a failure (or slow-call) rate well under
// its threshold, and checks that the circuit never opened: a success whose
// Release returned before a failure's Release breaks that failure's run and
// stands before it in the window, whoever subscribes.
func TestBreakerOrderNeverFalseOpens(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	for _, tr := range orderTriggers {
		for _, g := range []int{1, 8, 64} {
			for _, sub := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%d/subscriber=%v", tr.name, g, sub), func(t *testing.T) {
					breakerOrderRun(t, tr, g, sub)
				})
			}
		}
	}
}

func breakerOrderRun(t *testing.T, tr orderTrigger, goroutines int, subscribe bool) {
	eng := enginetest.Start(t)
	cfg := tr.cfg
	cfg.RecoveryTimeout = time.Hour // an opened circuit stays open: one opening is enough to see
	b, err := circuitbreaker.New(eng, "order", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if subscribe {
		sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallSuccess}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close() // never read: the stream drops for it
	}
	var (
		next     atomic.Int64
		rejected atomic.Int64
		wg       sync.WaitGroup
		drain    sync.Once
		atDrain  circuitbreaker.State
	)
	ctx := context.Background()
	calls := tr.calls
	if tr.perGoroutine > 0 {
		calls = min(calls, tr.perGoroutine*goroutines)
	}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for {
				if next.Add(1) > int64(calls) {
					// The calls still in flight end now, with no new call
					// between them: the slow ones (or those that waited
					// longest) are the last outcomes in real time, a burst
					// a window may rightly open on. Judge before it.
					drain.Do(func() { atDrain, _ = b.State() })
					return
				}
				fail, slow := rng.Float64() < tr.fail, rng.Float64() < tr.slow
				err := b.Execute(ctx, func(context.Context) error {
					if slow {
						time.Sleep(20 * time.Millisecond)
					}
					if fail {
						return errOrderBoom
					}
					return nil
				})
				if errors.Is(err, circuitbreaker.ErrOpen) {
					rejected.Add(1)
				}
			}
		}(uint64(g))
	}
	wg.Wait()
	s, err := b.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if atDrain != circuitbreaker.Closed || rejected.Load() != 0 {
		t.Fatalf("got state %v before the last calls ended (%v at the end), %d calls rejected (failed %d of %d, slow %d); want closed, none rejected",
			atDrain, s.State, rejected.Load(), s.Failed, s.Total, s.Slow)
	}
}
