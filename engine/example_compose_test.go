package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
)

func ExampleCompose() {
	ctx := context.Background()
	eng, _ := engine.New()
	defer eng.Shutdown(ctx)

	breaker, _ := circuitbreaker.New(eng, "inventory", circuitbreaker.Config{FailureThreshold: 3, RecoveryTimeout: time.Minute})
	r, _ := retry.New(eng, "inventory", retry.Config{
		Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Microsecond}, JitterKind: retry.NoJitter})
	to, _ := timeout.New(eng, "inventory", timeout.Config{Timeout: time.Second, Cooperative: true})
	fb, _ := fallback.New(eng, "inventory", fallback.Config[int]{Chain: []fallback.Func[int]{fallback.Value(-1)}})
	slots, _ := bulkhead.New(eng, "inventory", bulkhead.Config{MaxInFlight: 10})

	// fallback → retry → circuit breaker → timeout → bulkhead → call
	stock := engine.Compose(engine.Policies[int]{
		Fallback:       fb,
		Retry:          retry.For[int](r),
		CircuitBreaker: breaker,
		Timeout:        timeout.For[int](to),
		Admission:      []engine.Guard{slots},
	})

	calls := 0
	flaky := func(context.Context) (int, error) {
		calls++
		if calls < 3 {
			return 0, errors.New("connection reset")
		}
		return 7, nil
	}
	v, err := stock.Get(ctx, flaky)
	fmt.Println("flaky:", v, err, "after", calls, "calls")

	calls = 0
	down := func(context.Context) (int, error) { calls++; return 0, errors.New("backend down") }
	v, err = stock.Get(ctx, down) // 3 failures: retries exhausted, the breaker opens, fallback answers
	fmt.Println("down:", v, err, "after", calls, "calls")

	// Outcomes reach the breaker's actor one-way; Stats is answered after
	// them, so the state it reports includes this call's failures.
	st, _ := breaker.Stats(ctx)
	fmt.Println("breaker:", st.State)

	calls = 0
	v, err = stock.Get(ctx, down) // the open breaker is not retried: no call at all
	fmt.Println("open:", v, err, "after", calls, "calls")
	// Output:
	// flaky: 7 <nil> after 3 calls
	// down: -1 <nil> after 3 calls
	// breaker: open
	// open: -1 <nil> after 0 calls
}

// Circuit breaker + retry + timeout + bulkhead around a
// no-op: the composition the issue measures against failsafe-go.
func BenchmarkComposeBreakerRetryTimeoutBulkhead(b *testing.B) {
	ctx := context.Background()
	eng, _ := engine.New()
	b.Cleanup(func() { eng.Shutdown(ctx) })
	breaker, _ := circuitbreaker.New(eng, "bench", circuitbreaker.Config{})
	r, _ := retry.New(eng, "bench", retry.Config{})
	to, _ := timeout.New(eng, "bench", timeout.Config{Timeout: time.Minute, Cooperative: true})
	slots, _ := bulkhead.New(eng, "bench", bulkhead.Config{MaxInFlight: 1024})
	benchComposition(b, engine.Compose(engine.Policies[int]{
		Retry:          retry.For[int](r),
		CircuitBreaker: breaker,
		Timeout:        timeout.For[int](to),
		Admission:      []engine.Guard{slots},
	}))
}

// Each retry attempt gets its own timeout, and a timed-out attempt is
// retried by the default predicate; on a fake clock, no real waiting.
func TestComposeRetryTimeoutFakeClock(t *testing.T) {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng := newEngine(t, engine.WithClock(clock))
	r, err := retry.New(eng, "rt", retry.Config{Backoff: retry.Backoff{InitialDelay: 100 * time.Millisecond}, JitterKind: retry.NoJitter})
	if err != nil {
		t.Fatal(err)
	}
	to, err := timeout.New(eng, "rt", timeout.Config{Timeout: time.Second, Cooperative: true})
	if err != nil {
		t.Fatal(err)
	}
	c := engine.Compose(engine.Policies[string]{Retry: retry.For[string](r), Timeout: timeout.For[string](to)})
	attempts := 0
	type res struct {
		v   string
		err error
	}
	ch := make(chan res, 1)
	go func() {
		v, err := c.Get(context.Background(), func(ctx context.Context) (string, error) {
			attempts++
			if attempts == 1 {
				<-ctx.Done() // hangs until its timeout
				return "", ctx.Err()
			}
			return "second", nil
		})
		ch <- res{v, err}
	}()
	wait := func() {
		if err := clock.WaitForTimers(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	wait()
	clock.Advance(time.Second) // the first attempt's timeout
	wait()
	clock.Advance(100 * time.Millisecond) // the retry's wait
	got := <-ch
	if got.v != "second" || got.err != nil || attempts != 2 {
		t.Fatalf("got %q, %v after %d attempts; want second, nil after 2", got.v, got.err, attempts)
	}
}
