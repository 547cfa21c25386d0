package stress

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// lifecycleHang bounds a wait that must end: reaching it is a hang.
const lifecycleHang = 20 * time.Second

// shutdownWithin shuts eng down with a ctx of d and fails t if Shutdown
// returns more than slack after the deadline (or never).
func shutdownWithin(t *testing.T, eng *engine.Engine, d, slack time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	began := time.Now()
	got := make(chan error, 1)
	go func() { got <- eng.Shutdown(ctx) }()
	select {
	case err := <-got:
		if took := time.Since(began); took > d+slack {
			t.Errorf("Shutdown took %v with a ctx of %v", took, d)
		}
		return err
	case <-time.After(lifecycleHang):
		t.Fatalf("Shutdown with a ctx of %v never returned", d)
		return nil
	}
}

// TestLifecycleSubscribeStormDuringShutdown: while callers ask an actor and
// publish, goroutines subscribe, register handlers and close subscriptions
// as fast as they can, and the engine shuts down in the middle. Nothing
// panics; every Subscribe or On that loses the race gets ErrStopped; every
// subscription ends closed; Shutdown returns nil (no handler is stuck) and
// no goroutine is left (goleak).
func TestLifecycleSubscribeStormDuringShutdown(t *testing.T) {
	rounds, storm := 10, 64
	if testing.Short() {
		rounds, storm = 3, 16
	}
	for range rounds {
		eng, err := engine.New()
		if err != nil {
			t.Fatal(err)
		}
		a := spawn(t, eng, "echo", 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
		var subscribed, refused, handled atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range storm {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var mine []*eventstream.Subscription
				defer func() {
					for _, sub := range mine {
						sub.Close() // after Shutdown: a no-op
						if _, open := <-sub.C(); open && g%2 == 0 {
							for range sub.C() { // drain what was buffered
							}
						}
					}
				}()
				for i := 0; ; i++ {
					var sub *eventstream.Subscription
					var err error
					if g%2 == 0 {
						sub, err = eng.Events().Subscribe(eventstream.Filter{}, 8)
					} else {
						sub, err = eng.Events().OnFilter(eventstream.Filter{}, 8, func(eventstream.Event) { handled.Add(1) })
					}
					if err != nil {
						if !errors.Is(err, messages.ErrStopped) {
							t.Errorf("Subscribe during Shutdown: got %v, want ErrStopped", err)
						}
						refused.Add(1)
						return
					}
					subscribed.Add(1)
					eng.Publish(eventstream.Event{Type: eventstream.EventCallSuccess, Pattern: "stress", Name: "storm"})
					if _, err := a.Ask(context.Background(), chaosMsg{v: i}); err != nil && !errors.Is(err, messages.ErrStopped) {
						t.Errorf("Ask: got %v", err)
					}
					if i%3 == 0 {
						mine = append(mine, sub) // left open for Shutdown to close
					} else {
						sub.Close()
					}
				}
			}()
		}
		close(start)
		time.Sleep(time.Millisecond) // let the storm get going: any moment will do
		if err := shutdownWithin(t, eng, lifecycleHang, time.Second); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		wg.Wait()
		if refused.Load() != int64(storm) {
			t.Fatalf("got %d storm goroutines refused, want all %d", refused.Load(), storm)
		}
		if _, err := eng.Events().On(eventstream.EventCallSuccess, func(eventstream.Event) {}); !errors.Is(err, messages.ErrStopped) {
			t.Fatalf("On after Shutdown: got %v, want ErrStopped", err)
		}
	}
}

// TestLifecycleShutdownFromHandlers: many handlers call Shutdown at once
// while callers are in flight and other goroutines call it from outside;
// every call returns, none waits for its own handler, and the engine ends
// stopped with nothing left running.
func TestLifecycleShutdownFromHandlers(t *testing.T) {
	const handlers = 32
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	a := spawn(t, eng, "echo", 0, func() kernel.Behavior[chaosMsg, int] { return &chaos{} })
	results := make(chan error, handlers+4)
	for range handlers {
		var once sync.Once
		if _, err := eng.Events().On(eventstream.EventCallSuccess, func(eventstream.Event) {
			once.Do(func() { results <- eng.Shutdown(context.Background()) })
		}); err != nil {
			t.Fatal(err)
		}
	}
	var callers sync.WaitGroup
	for w := range 64 {
		callers.Add(1)
		go func() {
			defer callers.Done()
			for {
				if _, err := a.Ask(context.Background(), chaosMsg{v: w}); err != nil {
					if !errors.Is(err, messages.ErrStopped) {
						t.Errorf("Ask: got %v, want a reply or ErrStopped", err)
					}
					return
				}
			}
		}()
	}
	// Every handler has the event buffered before anyone shuts down, so
	// each calls Shutdown, racing the calls from outside.
	eng.Publish(eventstream.Event{Type: eventstream.EventCallSuccess, Pattern: "stress", Name: "echo"})
	for range 4 {
		go func() { results <- eng.Shutdown(context.Background()) }()
	}
	for i := range handlers + 4 {
		select {
		case err := <-results:
			if err != nil {
				t.Errorf("Shutdown %d: got %v, want nil", i, err)
			}
		case <-time.After(lifecycleHang):
			t.Fatalf("only %d of %d Shutdown calls returned", i, handlers+4)
		}
	}
	callers.Wait()
	if !eng.Stopped() {
		t.Fatal("engine not stopped")
	}
}

// TestLifecycleStuckActorsAndHandlers: a hundred actors and handlers that
// never return, under 1,000 callers in flight: Shutdown returns by its
// deadline (plus a little) naming them all, every caller gets ErrStopped,
// and once they are let go no goroutine is left.
func TestLifecycleStuckActorsAndHandlers(t *testing.T) {
	const stuck = 100
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	var entered sync.WaitGroup
	var names []string
	var actors []*kernel.Actor[int, int]
	for i := range stuck {
		name := "stuck-" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + "-" + time.Duration(i).String()
		entered.Add(2)
		a := spawn(t, eng, name, 0, func() kernel.Behavior[int, int] { return stuckOnZero{gate: gate, entered: &entered} })
		if err := a.Tell(0); err != nil {
			t.Fatal(err)
		}
		actors = append(actors, a)
		names = append(names, "stress/"+name)
		var once sync.Once
		sub, err := eng.Events().On(eventstream.EventCallSuccess, func(eventstream.Event) {
			once.Do(entered.Done)
			<-gate
		})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, sub.Name())
	}
	eng.Publish(eventstream.Event{Type: eventstream.EventCallSuccess, Pattern: "stress"})
	entered.Wait()
	errs := make(chan error, 1000)
	for i := range 1000 {
		go func() {
			_, err := actors[i%stuck].Ask(context.Background(), 1)
			errs <- err
		}()
	}
	err = shutdownWithin(t, eng, 100*time.Millisecond, time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: got %v, want DeadlineExceeded", err)
	}
	for _, n := range names {
		if err != nil && !strings.Contains(err.Error(), n+",") && !strings.Contains(err.Error(), n+":") {
			t.Errorf("Shutdown's error does not name %s: %v", n, err)
		}
	}
	for range 1000 {
		if err := <-errs; !errors.Is(err, messages.ErrStopped) {
			t.Fatalf("caller: got %v, want ErrStopped", err)
		}
	}
	close(gate)
}

// stuckOnZero blocks on its gate when it receives 0.
type stuckOnZero struct {
	gate    chan struct{}
	entered *sync.WaitGroup
}

func (b stuckOnZero) Receive(m int) (int, error) {
	if m == 0 {
		b.entered.Done()
		<-b.gate
	}
	return m, nil
}
