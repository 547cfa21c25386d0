package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// hang bounds a wait that must end; reaching it is a hang, not a timing guess.
const hang = 10 * time.Second

// mustNew starts an engine the test shuts down itself.
func mustNew(t *testing.T, opts ...engine.Option) *engine.Engine {
	t.Helper()
	eng, err := engine.New(opts...)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	return eng
}

// returns returns what f returns, failing the test if f does not return.
func returns(t *testing.T, what string, f func() error) error {
	t.Helper()
	got := make(chan error, 1)
	go func() { got <- f() }()
	select {
	case err := <-got:
		return err
	case <-time.After(hang):
		t.Fatalf("%s never returned", what)
		return nil
	}
}

func withTimeout(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	_ = cancel // ends with its deadline
	return ctx
}

// TestShutdownFromHandler: an On callback that shuts the engine down gets
// nil back, and the engine is stopped (it used to wait for itself forever).
func TestShutdownFromHandler(t *testing.T) {
	eng := mustNew(t)
	returned := make(chan error, 1)
	if _, err := eng.Events().On(eventstream.EventCallSuccess, func(eventstream.Event) {
		returned <- eng.Shutdown(context.Background())
	}); err != nil {
		t.Fatal(err)
	}
	eng.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
	if err := returns(t, "Shutdown from a handler", func() error { return <-returned }); err != nil {
		t.Fatalf("Shutdown from a handler: got %v, want nil", err)
	}
	if !eng.Stopped() {
		t.Fatal("engine not stopped")
	}
	if err := eng.Shutdown(context.Background()); err != nil { // waits for the handler, which has returned
		t.Fatalf("Shutdown from outside: got %v, want nil", err)
	}
}

// TestShutdownNamesWhatDidNotStop: a handler and an actor that do not
// return hold Shutdown only until its ctx ends; the error names both and
// wraps DeadlineExceeded; once they return nothing is left (goleak).
func TestShutdownNamesWhatDidNotStop(t *testing.T) {
	eng := mustNew(t)
	gate, entered := make(chan struct{}), make(chan struct{})
	sub, err := eng.Events().On(eventstream.EventCallSuccess, func(eventstream.Event) { close(entered); <-gate })
	if err != nil {
		t.Fatal(err)
	}
	g := &gated{entered: make(chan struct{}, 1), gate: gate}
	a := spawn(t, eng, "stuck", func() kernel.Behavior[int, int] { return g })
	if err := a.Tell(0); err != nil {
		t.Fatal(err)
	}
	<-g.entered
	eng.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
	<-entered

	err = returns(t, "Shutdown", func() error { return eng.Shutdown(withTimeout(50 * time.Millisecond)) })
	close(gate)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "test/stuck") || !strings.Contains(err.Error(), sub.Name()) {
		t.Fatalf("got %v, want an error naming test/stuck and %s that wraps DeadlineExceeded", err, sub.Name())
	}
}

func TestRestartBudget(t *testing.T) {
	for _, tc := range []struct {
		name      string
		max       int
		window    time.Duration
		wantField string // "" when accepted
		restarts  int    // restarts before the actor fails, when accepted
	}{
		{"zero means no restart", 0, time.Minute, "", 0},
		{"zero, no window", 0, 0, "", 0},
		{"two", 2, time.Minute, "", 2},
		{"zero, negative window", 0, -time.Second, "restart window", 0},
		{"negative max", -1, time.Minute, "restart budget max", 0},
		{"max too large", 1<<30 + 1, time.Minute, "restart budget max", 0},
		{"no window", 3, 0, "restart window", 0},
		{"negative window", 3, -time.Second, "restart window", 0},
		{"window too long", 3, 25 * time.Hour, "restart window", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng, err := engine.New(engine.WithRestartBudget(tc.max, tc.window))
			var ce *messages.ConfigError
			if tc.wantField != "" {
				if !errors.As(err, &ce) || ce.Field != tc.wantField {
					t.Fatalf("got %v, want a ConfigError naming %q", err, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Shutdown(context.Background())
			a := spawn(t, eng, "p", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })
			for i := range tc.restarts + 1 {
				var pe *messages.PanicError
				if _, err := a.Ask(context.Background(), 13); !errors.As(err, &pe) {
					t.Fatalf("panic %d: got %v, want a PanicError", i, err)
				}
			}
			select {
			case <-a.Done():
			case <-time.After(hang):
				t.Fatal("the actor was never failed")
			}
			if c, _ := eng.Supervisor().Lookup("test", "p"); c.Restarts != tc.restarts || c.Status.String() != "failed" {
				t.Fatalf("got %s after %d restarts, want failed after %d", c.Status, c.Restarts, tc.restarts)
			}
		})
	}
}

// TestBrokenErrorSinks: an error handler that panics is recovered and
// counted; one that blocks holds neither the supervisor nor Shutdown past
// its ctx, and Shutdown says so.
func TestBrokenErrorSinks(t *testing.T) {
	t.Run("panics", func(t *testing.T) {
		eng := newEngine(t, engine.WithErrorHandler(func(string, string, error) { panic("sink") }))
		a := spawn(t, eng, "p", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })
		for range 3 {
			if _, err := a.Ask(context.Background(), 13); err == nil {
				t.Fatal("want the panic's error")
			}
		}
		if got, err := a.Ask(context.Background(), 5); got != 5 || err != nil {
			t.Fatalf("after the panics: got %d, %v", got, err)
		}
		if err := eng.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := eng.SinkPanics(); got != 3 {
			t.Fatalf("SinkPanics: got %d, want 3", got)
		}
	})
	t.Run("blocks", func(t *testing.T) {
		gate := make(chan struct{})
		defer close(gate)
		eng := mustNew(t, engine.WithErrorHandler(func(string, string, error) { <-gate }))
		a := spawn(t, eng, "p", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })
		for i := range 3 { // the supervisor is not held: the actor restarts each time
			if _, err := a.Ask(context.Background(), 13); err == nil {
				t.Fatalf("panic %d: want the panic's error", i)
			}
		}
		err := returns(t, "Shutdown", func() error { return eng.Shutdown(withTimeout(50 * time.Millisecond)) })
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "error handler") {
			t.Fatalf("got %v, want an error naming the error handler, wrapping DeadlineExceeded", err)
		}
	})
}
