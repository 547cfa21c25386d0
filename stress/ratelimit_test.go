package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

const (
	rlKeys   = 16
	rlEpochs = 1 << 14 // clock steps recorded
	rlSteps  = 4       // clock steps per Period
)

// TestRateLimiterStress hammers one limiter (16 keys, 100/s each) while a
// fake clock steps a quarter of a Period every 5 ms. The clock only moves
// while no call is under way (callers enter through a gate the stepper
// closes, waits for the calls under way and opens again; a caller at a
// closed gate parks on its channel), so every allowed call is attributed to
// the step it was decided in; then, per key:
//   - within one step (one instant) at most Count calls were allowed;
//   - GCRA: over any span of steps [a, b], allowed ≤ Count + (b−a)·Count/Period;
//   - SlidingWindow: in every window of one Period (aligned to the
//     limiter's creation, its time zero), allowed ≤ Count;
//
// and the limiter's own counters match the callers'.
func TestRateLimiterStress(t *testing.T) {
	for _, alg := range []ratelimit.Algorithm{ratelimit.GCRA, ratelimit.SlidingWindow} {
		t.Run(alg.String(), func(t *testing.T) { hammerLimiter(t, alg) })
	}
}

func hammerLimiter(t *testing.T, alg ratelimit.Algorithm) {
	rate := ratelimit.Rate{Count: 100, Period: time.Second}
	clock := engine.NewFakeClock(time.Unix(1e9, 0))
	eng := enginetest.Start(t, engine.WithClock(clock))
	l, err := ratelimit.New(eng, "stress", ratelimit.Config{Algorithm: alg, Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	var keys [rlKeys]string
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%d", i)
	}
	var (
		gate                        atomic.Pointer[chan struct{}] // non-nil while the clock moves; closed after
		inCall                      atomic.Int64                  // calls under way
		step                        atomic.Int64
		allowed                     [rlKeys][rlEpochs]atomic.Int32
		total                       [rlKeys]atomic.Int64
		rejected, ctxErr, otherErrs atomic.Int64
	)
	stop, ticked := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ticked)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for step.Load() < rlEpochs-1 {
			select {
			case <-stop:
				return
			case <-tick.C:
				closed := make(chan struct{})
				gate.Store(&closed)
				for inCall.Load() != 0 {
					runtime.Gosched()
				}
				clock.Advance(rate.Period / rlSteps)
				step.Add(1)
				gate.Store(nil)
				close(closed) // the callers held at the gate go on
			}
		}
	}()
	res := closedloop.Run(closedloop.Config{Goroutines: callers(), Calls: rounds()}, func(w int) func() {
		rng := rand.New(rand.NewPCG(uint64(w), 9))
		return func() {
			k := rng.IntN(rlKeys)
			ctx := context.Background()
			if rng.IntN(20) == 0 {
				ctx = cancelled // bounds only a key's first round trip
			}
			for {
				inCall.Add(1)
				g := gate.Load()
				if g == nil {
					break
				}
				inCall.Add(-1)
				<-*g // parked, not spinning, while the clock moves
			}
			e := step.Load()
			r, err := l.CheckRate(ctx, keys[k], rate)
			inCall.Add(-1)
			switch {
			case errors.Is(err, context.Canceled):
				ctxErr.Add(1)
			case err != nil:
				otherErrs.Add(1)
				t.Errorf("CheckRate: %v", err)
			case !r.Allowed:
				rejected.Add(1)
			default:
				allowed[k][e].Add(1)
				total[k].Add(1)
			}
		}
	})
	close(stop)
	<-ticked
	steps := step.Load()
	var sumAllowed int64
	for k := range keys {
		sumAllowed += total[k].Load()
		var prefix [rlEpochs + 1]int64
		for e := int64(0); e <= steps; e++ {
			n := int64(allowed[k][e].Load())
			prefix[e+1] = prefix[e] + n
			if n > rate.Count {
				t.Errorf("%s, step %d: %d allowed at one instant, want at most %d", keys[k], e, n, rate.Count)
			}
		}
		switch alg {
		case ratelimit.GCRA:
			for a := int64(0); a <= steps; a++ {
				for b := a; b <= steps; b++ {
					span := b - a // in quarter Periods
					if got, most := prefix[b+1]-prefix[a], rate.Count+span*rate.Count/rlSteps; got > most {
						t.Errorf("%s, steps %d..%d: %d allowed, want at most %d", keys[k], a, b, got, most)
						a = steps // one report per key
						break
					}
				}
			}
		case ratelimit.SlidingWindow:
			for w := int64(0); w*rlSteps <= steps; w++ {
				hi := min((w+1)*rlSteps, steps+1)
				if got := prefix[hi] - prefix[w*rlSteps]; got > rate.Count {
					t.Errorf("%s, window %d: %d allowed, want at most %d", keys[k], w, got, rate.Count)
				}
			}
		}
	}
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != uint64(sumAllowed) || st.Rejected != uint64(rejected.Load()) {
		t.Errorf("Stats: %d allowed, %d rejected; the callers saw %d and %d", st.Accepted, st.Rejected, sumAllowed, rejected.Load())
	}
	if sumAllowed == 0 || rejected.Load() == 0 {
		t.Errorf("the limit was never reached: %d allowed, %d rejected", sumAllowed, rejected.Load())
	}
	t.Logf("%v | %d steps, allowed=%d rejected=%d ctx=%d", &res, steps, sumAllowed, rejected.Load(), ctxErr.Load())
}

func init() {
	soakParts = append(soakParts, soakPart{name: "ratelimit", setup: func(t *testing.T) (func(int) func(), func() (string, error)) {
		l, err := ratelimit.New(enginetest.Start(t), "soak", ratelimit.Config{})
		if err != nil {
			t.Fatal(err)
		}
		rate := ratelimit.Rate{Count: 1000, Period: time.Second}
		keys := make([]string, rlKeys)
		for i := range keys {
			keys[i] = fmt.Sprintf("key-%d", i)
		}
		var allowed, rejected, failed atomic.Int64
		newOp := func(w int) func() {
			rng := rand.New(rand.NewPCG(uint64(w), 17))
			return func() {
				r, err := l.CheckRate(context.Background(), keys[rng.IntN(rlKeys)], rate)
				switch {
				case err != nil:
					failed.Add(1)
				case r.Allowed:
					allowed.Add(1)
				default:
					rejected.Add(1)
				}
			}
		}
		check := func() (string, error) {
			st, err := l.Stats(context.Background())
			counts := fmt.Sprintf("allowed=%d rejected=%d errors=%d | stats allowed=%d rejected=%d keys=%d",
				allowed.Load(), rejected.Load(), failed.Load(), st.Accepted, st.Rejected, st.ActiveKeys)
			switch {
			case err != nil:
				return counts, err
			case failed.Load() != 0:
				return counts, fmt.Errorf("%d calls failed", failed.Load())
			case st.Accepted != uint64(allowed.Load()) || st.Rejected != uint64(rejected.Load()):
				return counts, errors.New("the limiter's counts differ from the callers'")
			}
			return counts, nil
		}
		return newOp, check
	}})
}
