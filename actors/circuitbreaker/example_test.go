package circuitbreaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func Example() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	cb, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{
		FailureThreshold: 2,
		RecoveryTimeout:  30 * time.Second,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	down := errors.New("connection refused")
	for i := 0; i < 2; i++ {
		fmt.Println(cb.Execute(ctx, func(context.Context) error { return down }))
	}
	st, _ := cb.Stats(ctx) // reports are one-way; Stats is handled after them
	fmt.Println(st.State, st.Failed)

	err = cb.Execute(ctx, func(context.Context) error { return nil })
	wait, _ := messages.RetryAfter(err)
	fmt.Println(errors.Is(err, circuitbreaker.ErrOpen), wait > 29*time.Second)
	// Output:
	// connection refused
	// connection refused
	// open 2
	// true true
}

func ExampleDo() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())
	cb, _ := circuitbreaker.New(eng, "users", circuitbreaker.Config{})

	name, err := circuitbreaker.Do(context.Background(), cb, func(context.Context) (string, error) {
		return "ada", nil
	})
	fmt.Println(name, err)
	// Output: ada <nil>
}

// A caller that manages its own call holds a permit and reports how it
// ended.
func ExampleBreaker_Acquire() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())
	cb, _ := circuitbreaker.New(eng, "manual", circuitbreaker.Config{})

	p, err := cb.Acquire(context.Background())
	if err != nil {
		return // rejected: do not call, do not Release
	}
	callErr := error(nil) // ... the call ...
	cb.Release(p, cb.Classify(callErr))

	st, _ := cb.Stats(context.Background())
	fmt.Println(st.Succeeded, st.Total)
	// Output: 1 1
}

// A failure rate over the last 20 calls, once 10 have been seen, and a
// slow-call rate: calls of 2 s or more, half of them opens the circuit.
func ExampleConfig_failureRate() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())
	cb, err := circuitbreaker.New(eng, "search", circuitbreaker.Config{
		OpenAtFailureRate:  0.5,
		OpenAtSlowCallRate: 0.5,
		SlowCallDuration:   2 * time.Second,
		WindowSize:         20,
		MinimumCalls:       10,
	})
	fmt.Println(err, cb.Config().FailureThreshold)
	// Output: <nil> 0
}

func ExampleAllStats() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())
	for _, name := range []string{"a", "b"} {
		cb, _ := circuitbreaker.New(eng, name, circuitbreaker.Config{})
		_ = cb.Execute(context.Background(), func(context.Context) error { return nil })
	}
	all, _ := circuitbreaker.AllStats(context.Background(), eng)
	for _, s := range all {
		fmt.Println(s.Name, s.State, s.Succeeded)
	}
	// Output:
	// a closed 1
	// b closed 1
}

// A breaker's thresholds change while it runs: the run of failures it has
// seen is kept and judged against the new threshold at once.
func ExampleBreaker_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())
	ctx := context.Background()
	cb, _ := circuitbreaker.New(eng, "inventory", circuitbreaker.Config{FailureThreshold: 5})

	down := errors.New("connection refused")
	for i := 0; i < 3; i++ {
		_ = cb.Execute(ctx, func(context.Context) error { return down })
	}
	st, _ := cb.Stats(ctx)
	fmt.Println(st.State, st.ConsecutiveFailures)

	err := cb.Reconfigure(ctx, circuitbreaker.Config{FailureThreshold: 3})
	state, _ := cb.State()
	fmt.Println(err, state, cb.Config().FailureThreshold)

	err = cb.Reconfigure(ctx, circuitbreaker.Config{MailboxSize: 16})
	fmt.Println(err != nil)
	// Output:
	// closed 3
	// <nil> open 3
	// true
}
