package kernel

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/messages"
)

// holdB blocks in Receive until gate is closed, after telling entered.
type holdB struct {
	entered chan struct{}
	gate    chan struct{}
}

func (h holdB) Receive(m int) (int, error) {
	select {
	case h.entered <- struct{}{}:
	default:
	}
	<-h.gate
	return m, nil
}

// serveHeld starts n actors whose behaviour blocks until their gate is
// closed, each served by a goroutine that ends when ctx does, with a first
// message in Receive. It returns the actors, their gates and a wait for
// the goroutines.
func serveHeld(ctx context.Context, n int) ([]*Actor[int, int], []chan struct{}, func()) {
	actors := make([]*Actor[int, int], n)
	gates := make([]chan struct{}, n)
	var wg sync.WaitGroup
	for i := range actors {
		h := holdB{entered: make(chan struct{}, 1), gate: make(chan struct{})}
		gates[i] = h.gate
		actors[i] = NewActor(0, func() Behavior[int, int] { return h })
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = actors[i].Serve(ctx)
		}()
		if err := actors[i].Tell(0); err != nil {
			panic(err)
		}
		<-h.entered
	}
	return actors, gates, wg.Wait
}

// An Ask waits for its actor's stop without a channel of the actor's own:
// an actor asked and answered holds no ending until it stops.
func TestAskMakesNoStopChannel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	a := NewActor(0, func() Behavior[int, int] { return echoB{} })
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Serve(ctx)
	}()
	defer func() { cancel(); <-done }()
	for i := range 3 {
		if got, err := a.Ask(context.Background(), i); err != nil || got != i {
			t.Fatalf("Ask(%d) = %d, %v", i, got, err)
		}
	}
	if d := a.done.Load(); d != nil {
		t.Fatalf("after three Asks the actor holds an ending (%+v), want none", d)
	}
}

// Asks waiting on actors that stop get the cause of their own actor's
// stop; Asks waiting on actors that go on, woken by the others' stops,
// wait on and get their replies. Half the actors are terminated while
// the other half are released, from many goroutines at once.
func TestAskWaitsOnlyForItsOwnActorsStop(t *testing.T) {
	const actors, asks = 40, 25
	ctx, cancel := context.WithCancel(context.Background())
	as, gates, wait := serveHeld(ctx, actors)
	defer func() { cancel(); wait() }()
	type answer struct {
		actor, got int
		err        error
	}
	answers := make(chan answer, actors*asks)
	var asked sync.WaitGroup
	for i, a := range as {
		for j := range asks {
			asked.Add(1)
			go func() {
				defer asked.Done()
				got, err := a.Ask(context.Background(), 1+j)
				answers <- answer{i, got, err}
			}()
		}
	}
	// Every Ask waits for its reply before any actor ends.
	for _, a := range as {
		for a.asking.Load() < asks {
			runtime.Gosched()
		}
	}
	causes := make([]error, actors)
	var ended sync.WaitGroup
	for i, a := range as {
		ended.Add(1)
		go func() {
			defer ended.Done()
			if i%2 == 0 {
				causes[i] = fmt.Errorf("%w: actor %d failed", messages.ErrStopped, i)
				a.Terminate(causes[i])
				return
			}
			close(gates[i])
		}()
	}
	ended.Wait()
	asked.Wait()
	close(answers)
	for ans := range answers {
		switch {
		case ans.actor%2 == 0 && ans.err != causes[ans.actor]:
			t.Fatalf("actor %d terminated: Ask got %d, %v; want its cause %v", ans.actor, ans.got, ans.err, causes[ans.actor])
		case ans.actor%2 == 1 && (ans.err != nil || ans.got < 1):
			t.Fatalf("actor %d released: Ask got %d, %v; want its reply", ans.actor, ans.got, ans.err)
		}
	}
	for i := 0; i < actors; i += 2 {
		close(gates[i])
		if err := as[i].Err(); !errors.Is(err, messages.ErrStopped) {
			t.Fatalf("actor %d: Err %v, want ErrStopped", i, err)
		}
	}
}
