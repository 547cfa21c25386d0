package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// A breaker permit's token (see circuitbreaker's trial.go): a half-open
// trial has the kind bit clear and its ticket (never 0) in the low
// trialSlotBits bits, with the generation above; every other permit has
// the kind bit set.
const (
	trialSlotBits = 16
	trialSlotMask = 1<<trialSlotBits - 1
	slotKindBit   = 1 << (trialSlotBits + 32)
	genRing       = 1 << 12
)

// TestCircuitBreakerStress hammers one breaker with the call mix while a
// fake clock jumps past the recovery timeout every millisecond, so the
// circuit goes round CLOSED → OPEN → HALF_OPEN → … all the time. It checks,
// at every admission, that the trial calls of one HALF_OPEN generation in
// flight never exceed HalfOpenMaxCalls; and at the end that Total =
// Successful + Failed + Rejected exactly, each equal to what the callers
// saw, and that a fast subscriber saw one call event per decision. Without
// subscribers, the successes of CLOSED calls take the breaker's striped
// counters instead of its mailbox, and the counts stay as exact.
func TestCircuitBreakerStress(t *testing.T) {
	t.Run("events", func(t *testing.T) { breakerStress(t, true) })
	t.Run("no events", func(t *testing.T) { breakerStress(t, false) })
}

func breakerStress(t *testing.T, withEvents bool) {
	const maxTrials = 3
	clock := engine.NewFakeClock(time.Unix(1e9, 0))
	eng := enginetest.Start(t, engine.WithClock(clock))
	n, per := callers(), 20
	var events, stuck *eventstream.Subscription
	if withEvents {
		var err error
		events, err = eng.Events().Subscribe(eventstream.Filter{
			Types: []eventstream.Type{eventstream.EventCallSuccess, eventstream.EventCallFailure, eventstream.EventCallRejected},
		}, n*per+16)
		if err != nil {
			t.Fatal(err)
		}
		stuck, err = eng.Events().Subscribe(eventstream.Filter{}, 1) // never read: slows nobody
		if err != nil {
			t.Fatal(err)
		}
	}
	br, err := circuitbreaker.New(eng, "stress", circuitbreaker.Config{
		FailureThreshold: 5, SuccessThreshold: 2, RecoveryTimeout: time.Second,
		HalfOpenMaxCalls: maxTrials, HalfOpenLease: 1000 * time.Hour, // no lease runs out: the counts stay exact
	})
	if err != nil {
		t.Fatal(err)
	}

	var trials [genRing]atomic.Int64 // trial calls in flight, by generation
	var trialPeak, trialCount, breach atomic.Int64
	var ok, failed, rejected, ctxErr, panics, other atomic.Int64

	// trial wraps the admitted function: Execute's Acquire is not visible,
	// so the test acquires itself and runs the call like Execute does.
	do := func(ctx context.Context, fn func(context.Context) error) error {
		p, err := br.Acquire(ctx)
		if err != nil {
			return err
		}
		// The call is in flight from its grant until fn returns: the gauge
		// drops before Release, whose report frees the slot for the next.
		var gen *atomic.Int64
		if slot := p.Token & trialSlotMask; slot != 0 && p.Token&slotKindBit == 0 {
			gen = &trials[(p.Token>>trialSlotBits)%genRing]
			trialCount.Add(1)
			if v := gen.Add(1); v > maxTrials {
				if breach.Add(1) <= 3 {
					t.Errorf("generation %d: %d trial calls in flight, want at most %d", uint32(p.Token>>trialSlotBits), v, maxTrials)
				}
			} else if v > trialPeak.Load() {
				trialPeak.Store(v) // a peak estimate, for the log only
			}
		}
		leave := func() {
			if gen != nil {
				gen.Add(-1)
			}
		}
		released := false
		defer func() {
			if !released {
				leave()
				br.Release(p, messages.Failure)
			}
		}()
		err = fn(ctx)
		released = true
		leave()
		br.Release(p, br.Classify(err))
		return err
	}

	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() { // the clock: every millisecond, past the recovery timeout
		defer close(ticked)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				clock.Advance(1100 * time.Millisecond)
			}
		}
	}()
	res := closedloop.Run(closedloop.Config{Goroutines: n, Calls: per}, func(w int) func() {
		rng := rand.New(rand.NewPCG(uint64(w), 5))
		return func() {
			c := pick(rng)
			err, p := run(c, do, body(c))
			switch {
			case p:
				panics.Add(1)
				failed.Add(1)
			case err == nil:
				ok.Add(1)
			case errors.Is(err, circuitbreaker.ErrOpen):
				rejected.Add(1)
			case errors.Is(err, errBackend):
				failed.Add(1)
			case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
				// Either refused before admission (HALF_OPEN checks ctx
				// first) or admitted and returned by fn: the stats tell.
				ctxErr.Add(1)
			default:
				other.Add(1)
				t.Errorf("Execute: unexpected %v", err)
			}
		}
	})
	close(stop)
	<-ticked

	st, err := br.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != st.Succeeded+st.Failed+st.Rejected {
		t.Errorf("Total %d != Successful %d + Failed %d + Rejected %d", st.Total, st.Succeeded, st.Failed, st.Rejected)
	}
	if st.Succeeded != uint64(ok.Load()) || st.Rejected != uint64(rejected.Load()) {
		t.Errorf("stats: %d successful, %d rejected; callers saw %d and %d", st.Succeeded, st.Rejected, ok.Load(), rejected.Load())
	}
	if lo, hi := uint64(failed.Load()), uint64(failed.Load()+ctxErr.Load()); st.Failed < lo || st.Failed > hi {
		t.Errorf("stats: %d failed; callers saw %d failures and %d context errors", st.Failed, lo, hi-lo)
	}
	if decided := st.Total + st.Ignored; decided > res.Calls || decided < res.Calls-uint64(ctxErr.Load()) {
		t.Errorf("stats: %d decided + %d ignored, want between %d and %d calls", st.Total, st.Ignored, res.Calls-uint64(ctxErr.Load()), res.Calls)
	}
	if breach.Load() != 0 || st.HalfOpenInFlight != 0 {
		t.Errorf("half-open: %d breaches, %d trials still in flight", breach.Load(), st.HalfOpenInFlight)
	}
	if trialCount.Load() == 0 || st.Rejected == 0 {
		t.Errorf("the circuit never went round: %d trials, %d rejections", trialCount.Load(), st.Rejected)
	}

	t.Logf("%v | ok=%d failed=%d rejected=%d ctx=%d panics=%d trials=%d (peak %d of %d) | stats total=%d ignored=%d",
		&res, ok.Load(), failed.Load(), rejected.Load(), ctxErr.Load(), panics.Load(), trialCount.Load(), trialPeak.Load(), maxTrials, st.Total, st.Ignored)
	if withEvents {
		checkBreakerEvents(t, st, events, stuck)
	}
}

// checkBreakerEvents checks that every decision published one event and
// that the fast subscriber saw each.
func checkBreakerEvents(t *testing.T, st circuitbreaker.Stats, events, stuck *eventstream.Subscription) {
	t.Helper()
	var seen [3]uint64
	want := [3]uint64{st.Succeeded, st.Failed, st.Rejected}
	if !waitFor(10*time.Second, func() bool {
		for {
			select {
			case ev := <-events.C():
				switch ev.Type {
				case eventstream.EventCallSuccess:
					seen[0]++
				case eventstream.EventCallFailure:
					seen[1]++
				case eventstream.EventCallRejected:
					seen[2]++
				}
			default:
				return seen == want
			}
		}
	}) {
		t.Errorf("events: got success/failure/rejected %v (dropped %d), want %v", seen, events.Dropped(), want)
	}
	if stuck.Dropped() == 0 {
		t.Error("the stuck subscriber dropped nothing")
	}
}

func init() {
	soakParts = append(soakParts, soakPart{name: "circuitbreaker", setup: func(t *testing.T) (func(int) func(), func() (string, error)) {
		br, err := circuitbreaker.New(enginetest.Start(t), "soak", circuitbreaker.Config{
			OpenAtFailureRate: 0.5, RecoveryTimeout: 10 * time.Millisecond, HalfOpenMaxCalls: 3})
		if err != nil {
			t.Fatal(err)
		}
		l := newGuardLoad(guardCase{guard: br, reject: circuitbreaker.ErrOpen, limit: func() int { return 1 << 30 }}, func(int64, int64) {})
		newOp, check := l.soak()
		return newOp, func() (string, error) {
			counts, broken := check()
			st, err := br.Stats(context.Background())
			if err != nil {
				return counts, err
			}
			counts += fmt.Sprintf(" | %s total=%d ok=%d failed=%d rejected=%d", st.State, st.Total, st.Succeeded, st.Failed, st.Rejected)
			if broken == nil && st.Total != st.Succeeded+st.Failed+st.Rejected {
				broken = fmt.Errorf("Total %d != %d + %d + %d", st.Total, st.Succeeded, st.Failed, st.Rejected)
			}
			return counts, broken
		}
	}})
}
