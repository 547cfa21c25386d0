package engine_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// newEngine starts an engine that the test shuts down when it ends.
func newEngine(t testing.TB, opts ...engine.Option) *engine.Engine {
	t.Helper()
	return enginetest.Start(t, opts...)
}

// spawn starts an actor with behaviour newB under eng.
func spawn[M, R any](t testing.TB, eng *engine.Engine, name string, newB func() kernel.Behavior[M, R]) *kernel.Actor[M, R] {
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

// echo replies with the message it got.
type echo struct{}

func (echo) Receive(m int) (int, error) { return m, nil }

func newEcho() kernel.Behavior[int, int] { return echo{} }

// gated blocks in Receive until its gate is closed; messages equal to 13
// panic.
type gated struct {
	entered chan struct{}
	gate    chan struct{}
}

func (g *gated) Receive(m int) (int, error) {
	if m == 13 {
		panic("thirteen")
	}
	if m == 0 {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		<-g.gate
	}
	return m, nil
}
