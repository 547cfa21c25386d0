package adaptive_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func Example() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	l, err := adaptive.New(eng, "db", adaptive.Config{InitialLimit: 2, MinLimit: 1, Window: 4})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for range 4 { // one window of successes raises the limit by one
		_ = l.Execute(ctx, func(context.Context) error { return nil })
	}
	st, _ := l.Stats(ctx)
	fmt.Println("limit:", st.Limit)

	p1, _ := l.Acquire(ctx)
	p2, _ := l.Acquire(ctx)
	p3, _ := l.Acquire(ctx)
	_, err = l.Acquire(ctx)
	fmt.Println("fourth:", errors.Is(err, adaptive.ErrLimitExceeded))
	for _, p := range []engine.Permit{p1, p2, p3} {
		l.Release(p, messages.Failure) // a failing window lowers it at once
	}
	st, _ = l.Stats(ctx)
	fmt.Println("limit:", st.Limit)
	// Output:
	// limit: 3
	// fourth: true
	// limit: 2
}

func ExampleLimiter_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	l, err := adaptive.New(eng, "db", adaptive.Config{InitialLimit: 8, MinLimit: 1, MaxLimit: 16})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	held := make([]engine.Permit, 0, 5)
	for range 5 {
		p, _ := l.Acquire(ctx)
		held = append(held, p)
	}
	// A lower MaxLimit clamps the limit at once; the 5 calls in flight go on.
	if err := l.Reconfigure(ctx, adaptive.Config{InitialLimit: 4, MinLimit: 1, MaxLimit: 4}); err != nil {
		panic(err)
	}
	fmt.Println("limit:", l.Limit())
	_, err = l.Acquire(ctx)
	fmt.Println("refused while 5 are in flight:", errors.Is(err, adaptive.ErrLimitExceeded))
	for _, p := range held[:2] {
		l.Release(p, messages.Success)
	}
	p, err := l.Acquire(ctx)
	fmt.Println("admitted with 3 in flight:", err == nil)
	l.Release(p, messages.Success)
	for _, p := range held[2:] {
		l.Release(p, messages.Success)
	}
	// Output:
	// limit: 4
	// refused while 5 are in flight: true
	// admitted with 3 in flight: true
}
