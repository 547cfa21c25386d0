package engine_test

import (
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
	return enginetest.Spawn(t, eng, name, newB)
}

// newEcho makes a behaviour that replies with the message it got.
var newEcho = enginetest.NewEcho

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
