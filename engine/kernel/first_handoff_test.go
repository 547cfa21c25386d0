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

// By default an actor's first batches are served by a worker the
// supervisor lends it (ServeOnDemand), until the worker claims it for a
// goroutine of its own (Claim, then Serve). Dozens of goroutines on the
// real clock send to fresh actors at once, so that their messages
// straddle the hand-over: every
// message arrives once and in each sender's order, each actor makes one
// behaviour, and Shutdown leaves no goroutine (goleak).
func TestDefaultFirstBatchHandOffKeepsOrder(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	const actors, senders = 8, 32
	rounds, per := 10, 200
	if testing.Short() {
		rounds, per = 3, 50
	}
	for round := range rounds {
		var made atomic.Int32
		as := make([]*kernel.Actor[seqMsg, int], actors)
		for i := range as {
			as[i] = spawnSized(t, eng, fmt.Sprint("handoff", round, "-", i), 16, func() kernel.Behavior[seqMsg, int] {
				made.Add(1)
				return &seqChecker{next: map[int]int{}}
			})
		}
		sendAll(t, senders, func(g int) error { return sendSeq(as[g%actors], g, per, 0) })
		wantInOrder(t, as, senders/actors*per)
		if got := made.Load(); got != actors {
			t.Fatalf("round %d: %d behaviours made for %d actors, want one each", round, got, actors)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// A panic in the first batch, served by a worker, restarts the actor as
// one in Serve does.
func TestDefaultFirstBatchPanicRestarts(t *testing.T) { restartsAfterPanic(t) }

// restartsAfterPanic checks, under an engine started with opts, that an
// actor whose first message panics gives the caller the panic and the
// next message a fresh behaviour, and that its child counts one restart.
func restartsAfterPanic(t *testing.T, opts ...engine.Option) {
	t.Helper()
	eng := newEngine(t, opts...)
	g := &gated{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	close(g.gate)
	a := spawn(t, eng, "p", func() kernel.Behavior[int, int] { return g })
	var pe *messages.PanicError
	if _, err := a.Ask(context.Background(), 13); !errors.As(err, &pe) {
		t.Fatalf("Ask(13): got %v, want a PanicError", err)
	}
	if got, err := a.Ask(context.Background(), 7); err != nil || got != 7 {
		t.Fatalf("after the panic: got %d, %v", got, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, _ := eng.Supervisor().Lookup("test", "p"); c.Restarts == 1 && c.Status.String() == "running" {
			break
		}
		if time.Now().After(deadline) {
			c, _ := eng.Supervisor().Lookup("test", "p")
			t.Fatalf("child after one panic: %+v, want running with 1 restart", c)
		}
		time.Sleep(time.Millisecond)
	}
}

// Shutdown racing the first messages of fresh actors, on the real clock:
// every Ask gets its reply or ErrStopped, Shutdown returns within its
// deadline, and no goroutine is left (goleak).
func TestDefaultShutdownDuringFirstBatches(t *testing.T) { asksRacingShutdown(t, 1) }

// asksRacingShutdown runs rounds of: 48 fresh actors under an engine
// started with opts, a goroutine each that Asks it asks times, and
// Shutdown at once; every Ask must get its reply or ErrStopped, and
// Shutdown return within its deadline.
func asksRacingShutdown(t *testing.T, asks int, opts ...engine.Option) {
	t.Helper()
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	for round := range rounds {
		eng, err := engine.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		const actors = 48
		as := make([]*kernel.Actor[int, int], actors)
		for i := range as {
			as[i] = spawn(t, eng, fmt.Sprint("s", i), newEcho)
		}
		start := make(chan struct{})
		errs := make(chan error, actors)
		for i, a := range as {
			go func() {
				<-start
				errs <- askUntilStopped(a, i, asks)
			}()
		}
		close(start)
		if round%2 == 1 {
			runtime.Gosched()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := eng.Shutdown(ctx); err != nil {
			t.Fatalf("round %d: Shutdown: %v", round, err)
		}
		cancel()
		for range actors {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: Ask racing Shutdown: %v", round, err)
			}
		}
	}
}

// askUntilStopped Asks a, an echo, from+k for k below asks, and returns
// the first wrong reply or error other than ErrStopped (which ends it).
func askUntilStopped(a *kernel.Actor[int, int], from, asks int) error {
	for k := range asks {
		got, err := a.Ask(context.Background(), from+k)
		if errors.Is(err, messages.ErrStopped) {
			return nil
		}
		if err == nil && got != from+k {
			err = fmt.Errorf("got %d, want %d", got, from+k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// sendSeq sends a per messages from sender g, numbered in order: Asks,
// TryTells (retried until taken) and Tells mixed; with yieldEvery > 0 it
// yields every yieldEvery messages, letting the actor run dry.
func sendSeq(a *kernel.Actor[seqMsg, int], g, per, yieldEvery int) error {
	for i := range per {
		var err error
		switch {
		case i%97 == 0:
			_, err = a.Ask(context.Background(), seqMsg{g, i})
		case i%13 == 0:
			for !a.TryTell(seqMsg{g, i}) {
				runtime.Gosched()
			}
		default:
			err = a.Tell(seqMsg{g, i})
		}
		if err != nil {
			return err
		}
		if yieldEvery > 0 && i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	return nil
}

// waitOwnGoroutines waits until each of actors, served by default and
// sent a message, has a goroutine of its own (the worker that served its
// first batch claims it soon after), failing after 5 s.
func waitOwnGoroutines[M, R any](t *testing.T, actors ...*kernel.Actor[M, R]) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for _, a := range actors {
		for !kernel.OwnsGoroutine(a) {
			if time.Now().After(deadline) {
				t.Fatal("an actor sent a message has no goroutine of its own after 5 s")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}
