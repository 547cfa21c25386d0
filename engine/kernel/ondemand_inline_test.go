package kernel_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// onCaller is a behaviour that answers whether its Receive runs under a
// function whose name holds marker: on the goroutine of the Ask's caller.
type onCaller struct{ marker string }

func (o *onCaller) Receive(int) (int, error) { return underFrame(o.marker), nil }

// underFrame returns 1 if the calling goroutine runs under a function
// whose name holds marker, and 0 otherwise.
func underFrame(marker string) int {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if strings.Contains(f.Function, marker) {
			return 1
		}
		if !more {
			return 0
		}
	}
}

// selfTeller, at message 0, Tells its own actor 1, and at 1 sends on
// seen whether it runs under marker's frames.
type selfTeller struct {
	self   **kernel.Actor[int, int]
	marker string
	seen   chan int
}

func (s *selfTeller) Receive(m int) (int, error) {
	if m == 0 {
		return 0, (*s.self).Tell(1)
	}
	s.seen <- underFrame(s.marker)
	return 0, nil
}

// The Ask that serves a parked actor stops at its own message: what came
// in behind it (here a message its own Receive sent) is left to a
// worker, so that the caller never waits for others' messages.
func TestOnDemandCallerServesUpToItsOwnMessage(t *testing.T) {
	eng := newEngine(t, engine.WithOnDemandActors())
	var a *kernel.Actor[int, int]
	st := &selfTeller{self: &a, marker: "TestOnDemandCallerServesUpToItsOwnMessage", seen: make(chan int, 1)}
	a = spawn(t, eng, "upto", func() kernel.Behavior[int, int] { return st })
	for i := range 20 {
		if _, err := a.Ask(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		if got := <-st.seen; got != 0 {
			t.Fatalf("round %d: the message queued behind the Ask's was served by the Ask's caller", i)
		}
	}
}

// Under WithOnDemandActors the Ask that finds an actor parked serves it
// on its own goroutine: no worker is woken, and the caller waits for no
// other goroutine to be scheduled. Every first Ask and every Ask after
// the actor parked again runs Receive under the caller's frames.
func TestOnDemandAskOfAParkedActorIsServedByItsCaller(t *testing.T) {
	eng := newEngine(t, engine.WithOnDemandActors())
	const n = 50
	marker := "TestOnDemandAskOfAParkedActorIsServedByItsCaller"
	as := make([]*kernel.Actor[int, int], n)
	for i := range as {
		as[i] = spawn(t, eng, fmt.Sprint("inline", i), func() kernel.Behavior[int, int] { return &onCaller{marker: marker} })
	}
	for round := range 3 {
		for i, a := range as {
			got, err := a.Ask(context.Background(), 0)
			if err != nil || got != 1 {
				t.Fatalf("round %d, actor %d: Receive on the caller's goroutine: got %d, %v; want 1", round, i, got, err)
			}
		}
	}
}

// By default the first Ask is served by its caller too, and once a
// worker has claimed the actor for a goroutine of its own, that goroutine
// serves it: its callers no longer do.
func TestDefaultAskIsServedByItsCallerUntilClaimed(t *testing.T) {
	eng := newEngine(t)
	marker := "TestDefaultAskIsServedByItsCallerUntilClaimed"
	a := spawn(t, eng, "claimed", func() kernel.Behavior[int, int] { return &onCaller{marker: marker} })
	if got, err := a.Ask(context.Background(), 0); err != nil || got != 1 {
		t.Fatalf("first Ask: got %d, %v; want 1 (served by its caller)", got, err)
	}
	waitOwnGoroutines(t, a)
	for i := range 3 {
		if got, err := a.Ask(context.Background(), 0); err != nil || got != 0 {
			t.Fatalf("Ask %d once claimed: got %d, %v; want 0 (served by the actor's goroutine)", i, got, err)
		}
	}
}

// Dozens of goroutines on the real clock Ask on-demand actors that park
// between their messages, so that most Asks serve the actor themselves
// while Tells from others queue behind them: every message arrives once,
// in each sender's order, and Shutdown leaves no goroutine (goleak).
func TestOnDemandCallersServingKeepOrder(t *testing.T) {
	eng, err := engine.New(engine.WithOnDemandActors())
	if err != nil {
		t.Fatal(err)
	}
	const actors, senders = 8, 32
	per := 600
	if testing.Short() {
		per = 100
	}
	as := spawnCheckers(t, eng, "inline-order", actors, 16)
	sendAll(t, senders, func(g int) error {
		a := as[g%actors]
		for i := range per {
			var err error
			if g%4 == 0 && i%3 != 0 {
				err = a.Tell(seqMsg{g, i})
			} else {
				_, err = a.Ask(context.Background(), seqMsg{g, i})
			}
			if err != nil {
				return err
			}
			if i%7 == 0 {
				runtime.Gosched()
			}
		}
		return nil
	})
	wantInOrder(t, as, senders/actors*per)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// Shutdown racing Asks that serve parked on-demand actors themselves, on
// the real clock: every Ask gets its reply or ErrStopped, Shutdown
// returns within its deadline, and no goroutine is left (goleak).
func TestOnDemandShutdownDuringCallersServing(t *testing.T) {
	asksRacingShutdown(t, 20, engine.WithOnDemandActors())
}
