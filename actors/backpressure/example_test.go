package backpressure_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func Example() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	bp, err := backpressure.New(eng, "ingest", backpressure.Config{MaxInFlight: 4, HighWaterMark: 2, LowWaterMark: 1})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	p1, _ := bp.Acquire(ctx)
	p2, _ := bp.Acquire(ctx) // pending reaches the high mark: backpressure on
	_, err = bp.Acquire(ctx) // nobody may wait (MaxWaiting 0): rejected at once
	fmt.Println(err)

	bp.Release(p1, messages.Success) // pending 1, the low mark: off again
	p3, err := bp.AcquireWait(ctx, time.Second)
	fmt.Println(err)
	bp.Release(p2, messages.Success)
	bp.Release(p3, messages.Success)

	st, _ := bp.Stats(ctx)
	fmt.Println("pending", st.InFlight, "accepted", st.Accepted, "rejected", st.Rejected)
	// Output:
	// bulwark: backpressure (backpressure "ingest", reason backpressure_active)
	// <nil>
	// pending 0 accepted 3 rejected 1
}

func ExampleGate_Reconfigure() {
	eng, _ := engine.New()
	defer eng.Shutdown(context.Background())

	ctx := context.Background()
	g, _ := backpressure.New(eng, "queue", backpressure.Config{MaxInFlight: 10})
	p, _ := g.Acquire(ctx)
	// A high-water mark of 1: the item pending turns backpressure on.
	if err := g.Reconfigure(ctx, backpressure.Config{MaxInFlight: 10, HighWaterMark: 1, LowWaterMark: backpressure.Drained}); err != nil {
		panic(err)
	}
	st, _ := g.Stats(ctx)
	fmt.Println("active", st.Active, "pending", st.InFlight)
	g.Release(p, messages.Success)
	st, _ = g.Stats(ctx)
	fmt.Println("active", st.Active, "pending", st.InFlight)
	// Output:
	// active true pending 1
	// active false pending 0
}
