package stress

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestFirstMessageOfANewActorIsHandled: fresh actors, in both modes, get
// their first message from another goroutine while their own goroutine
// starts (half of them are asked as soon as they are spawned) or already
// waits (the other half, once the whole round is spawned). Every first Ask
// is answered: the first
// message links the mailbox's first segment, and a receiver that looked
// between that link and the send must still be woken by the message. A
// lost wake-up fails here within seconds, not as a package timeout.
func TestFirstMessageOfANewActorIsHandled(t *testing.T) {
	rounds, actors := 20, 100
	if testing.Short() {
		rounds = 5
	}
	for _, mode := range []struct {
		name string
		opts []engine.Option
	}{{"default", nil}, {"on demand", []engine.Option{engine.WithOnDemandActors()}}} {
		t.Run(mode.name, func(t *testing.T) {
			eng := enginetest.Start(t, mode.opts...)
			for round := range rounds {
				var lost sync.WaitGroup
				lost.Add(actors)
				unanswered := make(chan string, actors)
				spawned := make(chan struct{})
				for i := range actors {
					name := fmt.Sprintf("first-%d-%d", round, i)
					a := enginetest.Spawn(t, eng, name, enginetest.NewEcho)
					go func() {
						defer lost.Done()
						if i%2 == 1 {
							<-spawned
						}
						// A bound on failure only: an answer takes
						// microseconds, a lost wake-up forever.
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						defer cancel()
						if got, err := a.Ask(ctx, i+1); err != nil || got != i+1 {
							unanswered <- fmt.Sprintf("%s: got %d, %v; want %d", name, got, err, i+1)
						}
					}()
				}
				close(spawned)
				lost.Wait()
				close(unanswered)
				for msg := range unanswered {
					t.Errorf("round %d, the first Ask of a new actor: %s", round, msg)
				}
				if t.Failed() {
					return
				}
			}
		})
	}
}
