package engine_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/supervisor"
)

// tally is a behaviour: its state is owned by the actor's goroutine.
type tally struct{ sum int }

func (t *tally) Receive(n int) (int, error) {
	t.sum += n
	return t.sum, nil
}

// An actor is spawned by name under the engine's supervisor; Tell sends
// one-way messages, Ask waits for a reply.
func ExampleSpawn() {
	eng, err := engine.New()
	if err != nil {
		panic(err)
	}
	defer eng.Shutdown(context.Background())

	counter, err := engine.Spawn(context.Background(), eng, "tally", "orders", nil,
		func() (*engine.Actor[int, int], supervisor.Service, error) {
			a := engine.NewActor(0, func() engine.Behavior[int, int] { return &tally{} })
			return a, a, nil
		})
	if err != nil {
		panic(err)
	}
	_ = counter.Tell(2)
	_ = counter.Tell(3)
	sum, err := counter.Ask(context.Background(), 0)
	fmt.Println(sum, err)
	// Output: 5 <nil>
}

// A FakeClock fires timers only when the test moves time.
func ExampleFakeClock() {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	clock.AfterFunc(time.Minute, func() { fmt.Println("fired at", clock.Now().Format("15:04")) })
	clock.Advance(59 * time.Second)
	fmt.Println("armed timers:", clock.Timers())
	clock.Advance(time.Second)
	// Output:
	// armed timers: 1
	// fired at 00:01
}
