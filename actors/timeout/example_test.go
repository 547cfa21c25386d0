package timeout_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
)

func Example() {
	to, err := timeout.New(nil, "db", timeout.Config{Timeout: 20 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	err = to.Execute(context.Background(), func(ctx context.Context) error {
		<-ctx.Done() // a slow query that honours its context
		return ctx.Err()
	})
	fmt.Println(errors.Is(err, timeout.ErrTimeout), errors.Is(err, context.DeadlineExceeded))

	// The function's own errors come back unchanged.
	err = to.Execute(context.Background(), func(context.Context) error { return context.DeadlineExceeded })
	fmt.Println(errors.Is(err, timeout.ErrTimeout), err)
	// Output:
	// true true
	// false context deadline exceeded
}

func ExampleDeadline() {
	d, _ := timeout.NewDeadline(nil, "request", timeout.DeadlineConfig{At: time.Now().Add(-time.Second)})
	err := d.Execute(context.Background(), func(context.Context) error { return nil })
	fmt.Println(err)
	// Output: deadline "request": deadline already expired
}

func ExampleTimeout_Stats() {
	to, _ := timeout.New(nil, "db", timeout.Config{Timeout: 20 * time.Millisecond, Cooperative: true})
	_ = to.Execute(context.Background(), func(context.Context) error { return nil })
	_ = to.Execute(context.Background(), func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	_ = to.Execute(context.Background(), func(context.Context) error { return errors.New("syntax error") })
	st, _ := to.Stats(context.Background())
	fmt.Printf("%d calls: %d in time, %d failed (%d timed out)\n", st.Calls, st.Succeeded, st.Failed, st.TimedOut)
	// Output: 3 calls: 1 in time, 2 failed (1 timed out)
}
