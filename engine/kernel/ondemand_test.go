package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// settled waits until the goroutine count is at most want (goroutines
// that have parked their actor are on their way out) and returns it.
func settled(want int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

// Under WithOnDemandActors an idle actor holds no goroutine; a message
// brings one back, and the behaviour's state survives the idle time.
func TestOnDemandActorsHoldNoGoroutineWhenIdle(t *testing.T) {
	eng := newEngine(t, engine.WithOnDemandActors())
	base := runtime.NumGoroutine()
	const n = 200
	actors := make([]*kernel.Actor[int, int], n)
	for i := range actors {
		actors[i] = spawn(t, eng, fmt.Sprint("a", i), func() kernel.Behavior[int, int] { return &sink{} })
	}
	if got := settled(base); got > base {
		t.Fatalf("%d idle on-demand actors: %d goroutines, want the engine's %d", n, got, base)
	}
	for round := 1; round <= 3; round++ {
		for i, a := range actors {
			if got, err := a.Ask(context.Background(), 1); err != nil || got != round {
				t.Fatalf("round %d, actor %d: got %d, %v; want %d (state kept across idle runs)", round, i, got, err, round)
			}
		}
		if got := settled(base); got > base {
			t.Fatalf("round %d: %d goroutines once idle, want %d", round, got, base)
		}
	}
}

// Under WithOnDemandActors an actor never sent a message holds no
// behaviour: the first message makes it, and later ones keep it.
func TestOnDemandBehaviourMadeByTheFirstMessage(t *testing.T) {
	eng := newEngine(t, engine.WithOnDemandActors())
	base := runtime.NumGoroutine()
	var made atomic.Int32
	newB := func() kernel.Behavior[int, int] {
		made.Add(1)
		return &sink{}
	}
	const n = 50
	actors := make([]*kernel.Actor[int, int], n)
	for i := range actors {
		actors[i] = spawn(t, eng, fmt.Sprint("b", i), newB)
	}
	if got := settled(base); got > base {
		t.Fatalf("%d new on-demand actors: %d goroutines, want the engine's %d", n, got, base)
	}
	if got := made.Load(); got != 0 {
		t.Fatalf("%d behaviours made before any message, want 0", got)
	}
	for i, a := range actors {
		for want := 1; want <= 2; want++ {
			if got, err := a.Ask(context.Background(), 1); err != nil || got != want {
				t.Fatalf("actor %d: got %d, %v; want %d", i, got, err, want)
			}
		}
	}
	if got := made.Load(); got != n {
		t.Fatalf("%d behaviours made after two messages each, want %d", got, n)
	}
}

// A panic restarts an on-demand actor with a fresh behaviour, under the
// restart budget, and it parks again afterwards.
func TestOnDemandActorRestartsAfterPanic(t *testing.T) {
	restartsAfterPanic(t, engine.WithOnDemandActors())
}

// Dozens of goroutines on the real clock Tell and Ask on-demand actors
// whose goroutines come and go between bursts: every message arrives once
// and in each sender's order, and Shutdown leaves no goroutine (goleak).
func TestOnDemandActorsKeepOrderAcrossParking(t *testing.T) {
	eng, err := engine.New(engine.WithOnDemandActors())
	if err != nil {
		t.Fatal(err)
	}
	const actors, senders = 4, 32
	per := 2000
	if testing.Short() {
		per = 300
	}
	as := spawnCheckers(t, eng, "order", actors, 16)
	sendAll(t, senders, func(g int) error { return sendSeq(as[g%actors], g, per, 50) })
	wantInOrder(t, as, senders/actors*per)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if err := a.Tell(seqMsg{0, 0}); !errors.Is(err, messages.ErrStopped) {
			t.Fatalf("Tell after Shutdown: got %v, want ErrStopped", err)
		}
	}
}

// Shutdown drains a parked actor's queue and one whose queue is empty
// alike, within its deadline.
func TestOnDemandShutdownDrainsQueuedWork(t *testing.T) {
	eng, err := engine.New(engine.WithOnDemandActors())
	if err != nil {
		t.Fatal(err)
	}
	g := &gated{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	a := spawn(t, eng, "drain", func() kernel.Behavior[int, int] { return g })
	spawn(t, eng, "idle", newEcho)
	if err := a.Tell(0); err != nil {
		t.Fatal(err)
	}
	<-g.entered
	replies := make(chan error, 5)
	for i := 1; i <= 5; i++ {
		go func() {
			_, err := a.Ask(context.Background(), i)
			replies <- err
		}()
	}
	for a.Len() < 5 {
		runtime.Gosched()
	}
	done := make(chan error, 1)
	go func() { done <- eng.Shutdown(context.Background()) }()
	close(g.gate)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for range 5 {
		if err := <-replies; err != nil {
			t.Fatalf("queued Ask: got %v, want its reply", err)
		}
	}
}
