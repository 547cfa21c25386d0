package stress

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// callers is how many goroutines hammer one instance: 10,000, or 1,000
// under -short.
func callers() int {
	if testing.Short() {
		return 1000
	}
	return 10000
}

// rounds is how many calls each caller makes in a hammer test.
func rounds() int {
	if testing.Short() {
		return 20
	}
	return 50
}

// spawn starts a plain actor of kind "stress" under eng.
func spawn[M, R any](t testing.TB, eng *engine.Engine, name string, size int, newB func() kernel.Behavior[M, R]) *kernel.Actor[M, R] {
	t.Helper()
	a, err := kernel.Spawn(context.Background(), eng, "stress", name, nil,
		func() (*kernel.Actor[M, R], kernel.Service, error) {
			a := kernel.NewActor(size, newB)
			return a, a, nil
		})
	if err != nil {
		t.Fatalf("Spawn %s: %v", name, err)
	}
	return a
}

// gauge counts calls in flight and remembers the highest count it saw.
type gauge struct {
	cur, peak atomic.Int64
}

// enter counts one more call in flight and returns the new count.
func (g *gauge) enter() int64 {
	n := g.cur.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return n
		}
	}
}

func (g *gauge) leave() { g.cur.Add(-1) }

// waitFor polls cond (a state that other goroutines reach soon) until it
// holds or d has passed, and reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
