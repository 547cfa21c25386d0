package bulkhead_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func Example() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	b, err := bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 1})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	err = b.Execute(ctx, func(ctx context.Context) error {
		// The one slot is ours: a second call finds no slot and no queue.
		err := b.Execute(ctx, func(context.Context) error { return nil })
		var rej *messages.RejectedError
		if errors.As(err, &rej) {
			fmt.Println("inner:", rej.Reason, errors.Is(err, bulkhead.ErrFull))
		}
		return nil
	})
	fmt.Println("outer:", err)
	st, _ := b.Stats(ctx)
	fmt.Println("accepted", st.Accepted, "rejected", st.Rejected, "active", st.InFlight)
	// Output:
	// inner: queue_full true
	// outer: <nil>
	// accepted 1 rejected 1 active 0
}

func ExampleDo() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	b, _ := bulkhead.New(eng, "api", bulkhead.Config{MaxInFlight: 4, MaxWaiting: 16})
	n, err := bulkhead.Do(context.Background(), b, func(context.Context) (int, error) { return 42, nil })
	fmt.Println(n, err)
	// Output: 42 <nil>
}

func ExampleBulkhead_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	ctx := context.Background()
	b, _ := bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 1})
	p, _ := b.Acquire(ctx)
	_, err := b.Acquire(ctx)
	fmt.Println("second slot of 1:", errors.Is(err, bulkhead.ErrFull))

	// Two slots from now on; the slot taken stays taken.
	if err := b.Reconfigure(ctx, bulkhead.Config{MaxInFlight: 2}); err != nil {
		panic(err)
	}
	q, err := b.Acquire(ctx)
	fmt.Println("second slot of 2:", err)
	b.Release(p, messages.Success)
	b.Release(q, messages.Success)
	st, _ := b.Stats(ctx)
	fmt.Println("max", st.MaxInFlight, "accepted", st.Accepted, "in flight", st.InFlight)
	// Output:
	// second slot of 1: true
	// second slot of 2: <nil>
	// max 2 accepted 2 in flight 0
}
