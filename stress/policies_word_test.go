package stress

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// statelessPolicies composes fallback → retry → timeout (own goroutine
// unless coop) made with eng, on the real clock: the stateless policies
// alone.
func statelessPolicies(t *testing.T, eng *engine.Engine, coop bool) *engine.Composition[int] {
	t.Helper()
	r, err := retry.New(eng, "p", retry.Config{Backoff: retry.Backoff{MaxAttempts: 4, InitialDelay: 50 * time.Microsecond, MaxDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	to, err := timeout.New(eng, "p", timeout.Config{Timeout: 5 * time.Millisecond, Cooperative: coop})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := fallback.New(eng, "p", fallback.Config[int]{Chain: []fallback.Func[int]{fallback.Value(-1)}})
	if err != nil {
		t.Fatal(err)
	}
	return engine.Compose(engine.Policies[int]{Fallback: fb, Retry: retry.For[int](r), Timeout: timeout.For[int](to)})
}

// Issue 12 item 6 under load: many callers run retry, timeout and
// fallback while the engine shuts down. A call that begins after Shutdown
// began runs no function and gets ErrStopped — never the fallback's value
// — and every call returns (no goroutine outlives the test: goleak).
func TestPoliciesShutdownStorm(t *testing.T) {
	workers, rounds := 100, 40
	if testing.Short() {
		workers, rounds = 30, 20
	}
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	comp := statelessPolicies(t, eng, false)
	errBackend := errors.New("backend")
	var ranAfterStop, servedAfterStop, notStopped, calls atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			<-start
			for range rounds {
				stopped := eng.Stopped()
				fail := rng.IntN(2) == 0
				v, err := comp.Get(context.Background(), func(context.Context) (int, error) {
					if stopped {
						ranAfterStop.Add(1)
					}
					if fail {
						return 0, errBackend
					}
					return 1, nil
				})
				calls.Add(1)
				if !stopped {
					continue
				}
				if v != 0 {
					servedAfterStop.Add(1)
				}
				if !errors.Is(err, messages.ErrStopped) {
					notStopped.Add(1)
				}
			}
		}()
	}
	close(start)
	time.Sleep(5 * time.Millisecond) // let calls run before Shutdown: this test is about the overlap
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	got := []int64{ranAfterStop.Load(), servedAfterStop.Load(), notStopped.Load()}
	if got[0]+got[1]+got[2] != 0 {
		t.Fatalf("after Shutdown began: %d functions ran, %d values served, %d calls not ErrStopped (of %d calls); want 0, 0, 0",
			got[0], got[1], got[2], calls.Load())
	}
}

// Issue 12 item 12 under load: callers that give up inside their
// function (whatever it returns) get context.Canceled and zero, never the
// fallback's value, and the retry starts no attempt after it; callers
// cancelled from outside at random moments always return.
func TestPoliciesCallerGaveUpStorm(t *testing.T) {
	workers, rounds := 48, 20
	if testing.Short() {
		workers, rounds = 16, 10
	}
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	// Cooperative: an attempt runs when the retry starts it (an abandoned
	// attempt of the own-goroutine mode may run late, after the cancel).
	comp := statelessPolicies(t, eng, true)
	errBackend := errors.New("backend")
	var wrong, attemptsAfter, outside atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for range rounds {
				ctx, cancel := context.WithCancel(context.Background())
				if rng.IntN(4) == 0 { // cancelled from outside, at any moment
					time.AfterFunc(time.Duration(rng.IntN(200))*time.Microsecond, cancel)
					_, _ = comp.Get(ctx, func(context.Context) (int, error) { return 0, errBackend })
					outside.Add(1)
					cancel()
					continue
				}
				var gone atomic.Bool
				fail := rng.IntN(2) == 0
				v, err := comp.Get(ctx, func(context.Context) (int, error) {
					if gone.Load() {
						attemptsAfter.Add(1)
					}
					gone.Store(true)
					cancel()
					if fail {
						return 1, errBackend
					}
					return 1, nil
				})
				if v != 0 || !errors.Is(err, context.Canceled) {
					wrong.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if wrong.Load() != 0 || attemptsAfter.Load() != 0 {
		t.Fatalf("%d calls that gave up got a value or no context.Canceled, %d attempts ran after; want 0, 0", wrong.Load(), attemptsAfter.Load())
	}
	if outside.Load() == 0 {
		t.Fatal("no call was cancelled from outside")
	}
}
