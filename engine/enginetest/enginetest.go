// Package enginetest helps tests start Bulwark engines: each engine it
// starts is shut down when the test ends, and a shutdown that fails fails
// the test, so no test leaves a goroutine behind for goleak to find.
package enginetest

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// ShutdownTimeout bounds the shutdown at the end of a test.
const ShutdownTimeout = 5 * time.Second

// Epoch is a fixed start for fake clocks, so that times in test output do
// not depend on when the test ran.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Start starts an engine with opts and shuts it down when t ends.
func Start(t testing.TB, opts ...engine.Option) *engine.Engine {
	t.Helper()
	eng, err := engine.New(opts...)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := eng.Shutdown(ctx); err != nil {
			t.Errorf("engine.Shutdown: %v", err)
		}
	})
	return eng
}

// StartFake starts an engine on a FakeClock that reads start, and shuts it
// down when t ends.
func StartFake(t testing.TB, start time.Time, opts ...engine.Option) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	clock := engine.NewFakeClock(start)
	return Start(t, append([]engine.Option{engine.WithClock(clock)}, opts...)...), clock
}

// Spawn starts an actor of kind "test" called name, with behaviour newB,
// under eng, and fails t if it cannot.
func Spawn[M, R any](t testing.TB, eng *engine.Engine, name string, newB func() kernel.Behavior[M, R]) *kernel.Actor[M, R] {
	t.Helper()
	a, err := kernel.Spawn(context.Background(), eng, "test", name, nil,
		func() (*kernel.Actor[M, R], kernel.Service, error) {
			a := kernel.NewActor(0, newB)
			return a, a, nil
		})
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	return a
}

// Echo is a behaviour that replies with the message it got.
type Echo struct{}

// Receive implements kernel.Behavior.
func (Echo) Receive(m int) (int, error) { return m, nil }

// NewEcho makes an Echo (a behaviour factory for kernel.NewActor).
func NewEcho() kernel.Behavior[int, int] { return Echo{} }
