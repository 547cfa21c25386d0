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
