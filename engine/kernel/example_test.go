package kernel_test

import (
	"context"
	"fmt"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
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

	counter, err := kernel.Spawn(context.Background(), eng, "tally", "orders", nil,
		func() (*kernel.Actor[int, int], kernel.Service, error) {
			a := kernel.NewActor(0, func() kernel.Behavior[int, int] { return &tally{} })
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
