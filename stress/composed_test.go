package stress

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// TestComposedStress hammers the default composition — fallback → retry →
// circuit breaker → timeout → load shedder → call — with the call mix
// (the calls that give up here hang until the timeout ends them). It
// checks that no call makes more than MaxAttempts attempts, that every
// call ends with its own value or the fallback's (each fallback answer
// counted once), that the calls in flight never exceed the shedder's limit,
// and afterwards that every guard is whole: the breaker's counts add up
// and the shedder gives exactly its capacity.
func TestComposedStress(t *testing.T) {
	const (
		limit    = 32
		attempts = 3
	)
	eng := enginetest.Start(t)
	r, err := retry.New(eng, "stress", retry.Config{Backoff: retry.Backoff{MaxAttempts: attempts, InitialDelay: time.Microsecond, MaxDelay: 10 * time.Microsecond}})
	if err != nil {
		t.Fatal(err)
	}
	to, err := timeout.New(eng, "stress", timeout.Config{Timeout: 2 * time.Millisecond, Cooperative: true})
	if err != nil {
		t.Fatal(err)
	}
	br, err := circuitbreaker.New(eng, "stress", circuitbreaker.Config{
		OpenAtFailureRate: 0.8, RecoveryTimeout: 5 * time.Millisecond, HalfOpenMaxCalls: 4,
		IsFailure: notShed, // the shedder's refusals say nothing of the backend
	})
	if err != nil {
		t.Fatal(err)
	}
	shed, err := loadshed.New(eng, "stress", loadshed.Config{MaxInFlight: limit, MaxWaiting: 256})
	if err != nil {
		t.Fatal(err)
	}
	var fallbacks atomic.Int64
	fb, err := fallback.New(eng, "stress", fallback.Config[int]{Chain: []fallback.Func[int]{
		func(context.Context, error) (int, error) { fallbacks.Add(1); return -1, nil },
	}})
	if err != nil {
		t.Fatal(err)
	}
	comp := engine.Compose(engine.Policies[int]{
		Fallback: fb, Retry: retry.For[int](r), CircuitBreaker: br,
		Timeout: timeout.For[int](to), Admission: []engine.Guard{shed},
	})

	var g gauge
	var breach, tooMany, own, fellBack, panics, gaveUp, wrong atomic.Int64
	res := closedloop.Run(closedloop.Config{Goroutines: callers(), Calls: rounds() / 2}, func(w int) func() {
		rng := rand.New(rand.NewPCG(uint64(w), 13))
		return func() {
			c := pick(rng)
			var tries atomic.Int64
			fn := func(ctx context.Context) (int, error) {
				if n := tries.Add(1); n > attempts {
					tooMany.Add(1)
				}
				if n := g.enter(); n > limit {
					if breach.Add(1) <= 3 {
						t.Errorf("in flight %d > limit %d", n, limit)
					}
				}
				defer g.leave()
				if c == callGiveUp {
					<-ctx.Done() // hangs until the timeout (or the caller) ends it
					return 0, ctx.Err()
				}
				if err := body(c)(ctx); err != nil {
					return 0, err
				}
				return 1, nil
			}
			v, err, p := composedCall(c, comp, fn)
			switch {
			case p:
				panics.Add(1)
			case err == nil && v == 1:
				own.Add(1)
			case err == nil && v == -1:
				fellBack.Add(1)
			case c == callCancelled && v == 0 && errors.Is(err, context.Canceled):
				// A caller who gave up before the call gets ctx.Err() and
				// nothing runs for it, not even the fallback (engine.Policy).
				gaveUp.Add(1)
			default:
				if wrong.Add(1) <= 3 {
					t.Errorf("%v call: got %d, %v; want its own value or the fallback's", c, v, err)
				}
			}
		}
	})
	if tooMany.Load() != 0 {
		t.Errorf("%d attempts beyond MaxAttempts %d", tooMany.Load(), attempts)
	}
	if fallbacks.Load() != fellBack.Load() {
		t.Errorf("fallback ran %d times, %d calls got its answer", fallbacks.Load(), fellBack.Load())
	}
	if own.Load() == 0 || fellBack.Load() == 0 || panics.Load() == 0 || gaveUp.Load() == 0 {
		t.Errorf("the mix did not run: own=%d fallback=%d panics=%d gave up=%d", own.Load(), fellBack.Load(), panics.Load(), gaveUp.Load())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := br.Stats(ctx)
	if err != nil || st.Total != st.Succeeded+st.Failed+st.Rejected || st.HalfOpenInFlight != 0 {
		t.Errorf("breaker after the hammer: %+v, %v", st, err)
	}
	if got := probeGuard(ctx, critical{shed}, 50*time.Millisecond, limit); got != limit {
		t.Errorf("shedder after the hammer: got %d permits at once, want %d", got, limit)
	}
	t.Logf("%v | own=%d fallback=%d panics=%d peak-in-flight=%d | breaker total=%d ok=%d failed=%d rejected=%d",
		&res, own.Load(), fellBack.Load(), panics.Load(), g.peak.Load(), st.Total, st.Succeeded, st.Failed, st.Rejected)
}

func notShed(err error) bool { return !errors.Is(err, loadshed.ErrShed) }

// composedCall runs fn through comp with the context of call kind c and
// recovers the panic the mix injects.
func composedCall(c call, comp *engine.Composition[int], fn func(context.Context) (int, error)) (v int, err error, panicked bool) {
	ctx := context.Background()
	if c == callCancelled {
		ctx = cancelled
	}
	defer func() {
		if x := recover(); x != nil {
			if x != "stress: injected" {
				panic(x)
			}
			panicked = true
		}
	}()
	v, err = comp.Get(ctx, fn)
	return v, err, false
}
