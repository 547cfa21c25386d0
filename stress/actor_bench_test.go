package stress

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// counter adds what it is asked and replies with the sum.
type counter struct{ n int }

func (c *counter) Receive(m int) (int, error) { c.n += m; return c.n, nil }

// BenchmarkClosedLoopActor is the baseline every pattern is measured
// against: callers() goroutines Asking one plain actor in a closed loop.
func BenchmarkClosedLoopActor(b *testing.B) {
	eng := enginetest.Start(b)
	a := spawn(b, eng, "plain", 0, func() kernel.Behavior[int, int] { return &counter{} })
	ctx := context.Background()
	closedloop.Benchmark(b, callers(), func(int) func() {
		return func() { _, _ = a.Ask(ctx, 1) }
	})
}
