// Command demo is Bulwark's main job: it starts an engine, runs a supervised
// actor through a burst of concurrent calls (one of which panics), prints
// what the event stream saw and shuts everything down cleanly. It needs no
// services: go run ./examples/demo
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// counter is a tiny behaviour: it adds what it is told and panics on 13.
type counter struct{ total int }

func (c *counter) Receive(n int) (int, error) {
	if n == 13 {
		panic("unlucky number")
	}
	c.total += n
	return c.total, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run() error {
	eng, err := engine.New()
	if err != nil {
		return err
	}
	sub, err := eng.Events().Subscribe(eventstream.Filter{}, 64)
	if err != nil {
		return err
	}
	ctx := context.Background()
	actor, err := engine.Spawn(ctx, eng, "counter", "demo", nil,
		func() (*engine.Actor[int, int], supervisor.Service, error) {
			a := engine.NewActor(0, func() engine.Behavior[int, int] { return &counter{} })
			return a, a, nil
		})
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	var panics int
	var mu sync.Mutex
	for i := 1; i <= 100; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			_, err := actor.Ask(ctx, n%20)
			var pe *messages.PanicError
			if errors.As(err, &pe) {
				mu.Lock()
				panics++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	total, err := actor.Ask(ctx, 0)
	if err != nil {
		return err
	}
	fmt.Printf("100 concurrent calls: %d panicked and were answered with an error; the actor was restarted and now holds %d\n", panics, total)
	for _, c := range eng.Supervisor().List() {
		fmt.Printf("child %s/%s: %s, %d restarts\n", c.Kind, c.Name, c.Status, c.Restarts)
	}

	sctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := eng.Shutdown(sctx); err != nil {
		return err
	}
	for ev := range sub.C() {
		fmt.Println("event:", ev.Type, ev.Pattern+"/"+ev.Name, ev.Fields.Err)
	}
	_, err = actor.Ask(ctx, 1)
	fmt.Println("after shutdown:", err)
	return nil
}
