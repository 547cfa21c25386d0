package kernel_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestTellThenAskKeepsOrder(t *testing.T) {
	eng := newEngine(t)
	a := spawn(t, eng, "rec", func() kernel.Behavior[int, int] { return &recorder{} })
	for i := 0; i < 5000; i++ {
		if err := a.Tell(i); err != nil {
			t.Fatalf("Tell(%d): %v", i, err)
		}
	}
	got, err := a.Ask(context.Background(), -1)
	if err != nil {
		t.Fatal(err)
	}
	if got != 5000 {
		t.Fatalf("got %d (-2 means out of order), want 5000", got)
	}
}

func TestAskRepliesToItsOwnCaller(t *testing.T) {
	eng := newEngine(t)
	a := spawn(t, eng, "echo", newEcho)
	goroutines, asks := 1000, 1000
	if testing.Short() {
		asks = 50
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < asks; i++ {
				want := g*asks + i
				got, err := a.Ask(context.Background(), want)
				if err != nil || got != want {
					errs <- errors.New("wrong reply")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestAskGivesUpWhenContextEnds(t *testing.T) {
	eng := newEngine(t)
	g := &gated{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	a := spawn(t, eng, "gated", func() kernel.Behavior[int, int] { return g })
	if err := a.Tell(0); err != nil { // occupies the actor
		t.Fatal(err)
	}
	<-g.entered

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.Ask(ctx, 7)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Ask after cancel: got %v, want context.Canceled", err)
	}
	close(g.gate) // the actor now handles 7 and replies into the abandoned channel without blocking
	got, err := a.Ask(context.Background(), 8)
	if err != nil || got != 8 {
		t.Fatalf("Ask(8) after an abandoned reply: got %d, %v", got, err)
	}
}

func TestAskWithEndedContextDoesNotEnqueue(t *testing.T) {
	eng := newEngine(t)
	a := spawn(t, eng, "rec", func() kernel.Behavior[int, int] { return &recorder{} })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The mailbox has room, so the send may win the race with ctx.Done;
	// either way the call must return promptly with a reply or ctx.Err().
	for i := 0; i < 100; i++ {
		if _, err := a.Ask(ctx, i); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	}
}

func TestPanicAnswersCallerAndActorRestarts(t *testing.T) {
	eng := newEngine(t)
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorRestarted}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	a := spawn(t, eng, "p", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })

	_, err = a.Ask(context.Background(), 13)
	var pe *messages.PanicError
	if !errors.As(err, &pe) || pe.Value != "thirteen" {
		t.Fatalf("Ask(13): got %v, want a PanicError with value thirteen", err)
	}
	got, err := a.Ask(context.Background(), 5)
	if err != nil || got != 5 {
		t.Fatalf("Ask after restart: got %d, %v; want 5, nil", got, err)
	}
	ev := <-sub.C()
	if ev.Pattern != "test" || ev.Name != "p" || ev.Fields.Count != 1 {
		t.Fatalf("restart event: got %v", ev)
	}
	c, ok := eng.Supervisor().Lookup("test", "p")
	if !ok || c.Restarts != 1 {
		t.Fatalf("Lookup: got %+v, %v; want 1 restart", c, ok)
	}
}

func TestRestartBudgetFailsActor(t *testing.T) {
	clock := engine.NewFakeClock(time.Unix(0, 0))
	eng := newEngine(t, engine.WithClock(clock), engine.WithRestartBudget(3, time.Minute))
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorFailed}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	a := spawn(t, eng, "loop", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })
	for i := 0; i < 4; i++ {
		if _, err := a.Ask(context.Background(), 13); err == nil {
			t.Fatalf("panic %d: got no error", i)
		}
	}
	ev := <-sub.C()
	if ev.Name != "loop" || ev.Fields.Count != 3 {
		t.Fatalf("failed event: got %v", ev)
	}
	<-a.Done()
	_, err = a.Ask(context.Background(), 1)
	if !errors.Is(err, engine.ErrStopped) {
		t.Fatalf("Ask on a failed actor: got %v, want ErrStopped", err)
	}
	if err := a.Tell(1); !errors.Is(err, engine.ErrStopped) {
		t.Fatalf("Tell on a failed actor: got %v, want ErrStopped", err)
	}
	c, _ := eng.Supervisor().Lookup("test", "loop")
	if c.Status.String() != "failed" {
		t.Fatalf("status: got %s, want failed", c.Status)
	}
}

func TestRestartBudgetForgetsOldRestarts(t *testing.T) {
	clock := engine.NewFakeClock(time.Unix(0, 0))
	eng := newEngine(t, engine.WithClock(clock), engine.WithRestartBudget(1, time.Minute))
	restarts, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorRestarted}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	a := spawn(t, eng, "slow", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })
	for i := 0; i < 5; i++ {
		if _, err := a.Ask(context.Background(), 13); err == nil {
			t.Fatal("want the panic's error")
		}
		<-restarts.C()                 // the supervisor has read the clock for this restart
		clock.Advance(2 * time.Minute) // the one restart in the window has aged out
		if got, err := a.Ask(context.Background(), 2); err != nil || got != 2 {
			t.Fatalf("round %d: got %d, %v", i, got, err)
		}
	}
}

func TestShutdownReleasesBlockedCallers(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	g := &gated{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	a := spawn(t, eng, "stuck", func() kernel.Behavior[int, int] { return g })
	if err := a.Tell(0); err != nil {
		t.Fatal(err)
	}
	<-g.entered

	const callers = 1000
	errs := make(chan error, callers)
	for i := 0; i < callers; i++ {
		go func(i int) {
			_, err := a.Ask(context.Background(), i+1)
			errs <- err
		}(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	shutdownErr := eng.Shutdown(ctx)
	if shutdownErr == nil {
		t.Fatal("Shutdown: want an error naming the stuck actor")
	}
	for i := 0; i < callers; i++ {
		if err := <-errs; !errors.Is(err, engine.ErrStopped) {
			t.Fatalf("caller: got %v, want ErrStopped", err)
		}
	}
	close(g.gate) // let the stuck handler return so its goroutine ends
	if _, err := a.Ask(context.Background(), 1); !errors.Is(err, engine.ErrStopped) {
		t.Fatalf("after shutdown: got %v, want ErrStopped", err)
	}
	if err := eng.Shutdown(context.Background()); err == nil || err.Error() != shutdownErr.Error() {
		t.Fatalf("second Shutdown: got %v, want the first result again", err)
	}
}

func TestShutdownDrainsQueuedMessages(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	g := &gated{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	a := spawn(t, eng, "drain", func() kernel.Behavior[int, int] { return g })
	if err := a.Tell(0); err != nil {
		t.Fatal(err)
	}
	<-g.entered
	replies := make(chan error, 10)
	for i := 1; i <= 10; i++ {
		go func(i int) {
			_, err := a.Ask(context.Background(), i)
			replies <- err
		}(i)
	}
	for a.Len() < 10 {
		runtime.Gosched() // until the ten asks are queued behind the gate
	}
	done := make(chan error, 1)
	go func() { done <- eng.Shutdown(context.Background()) }()
	close(g.gate)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for i := 0; i < 10; i++ {
		if err := <-replies; err != nil {
			t.Fatalf("queued Ask: got %v, want its reply (queued work finishes)", err)
		}
	}
}

func TestShutdownFromManyGoroutines(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	spawn(t, eng, "e", newEcho)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := eng.Shutdown(context.Background()); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		}()
	}
	wg.Wait()
	if _, err := kernel.Spawn[*kernel.Actor[int, int]](context.Background(), eng, "test", "late", nil, nil); err == nil {
		t.Fatal("Spawn after shutdown: want an error")
	}
}

// stopping counts its Stop calls.
type stopping struct{ stops chan<- struct{} }

func (s stopping) Receive(m int) (int, error) {
	if m == 13 {
		panic("thirteen")
	}
	return m, nil
}

func (s stopping) Stop() { s.stops <- struct{}{} }

func TestStopperRunsWhenTheLoopEnds(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	stops := make(chan struct{}, 4)
	a := spawn(t, eng, "s", func() kernel.Behavior[int, int] { return stopping{stops} })
	if _, err := a.Ask(context.Background(), 13); err == nil {
		t.Fatal("want the panic's error")
	}
	<-stops // before the restart
	if got, err := a.Ask(context.Background(), 1); err != nil || got != 1 {
		t.Fatalf("after restart: %d, %v", got, err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-stops // at shutdown
}
