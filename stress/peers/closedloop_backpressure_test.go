package peers

import (
	"runtime"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/messages"
)

// Backpressure: no peer library has it; Bulwark alone.
//
//   - bulwark: room for every caller below the high mark, so each decision
//     is an admission on the fast path (the gate stays open);
//   - bulwark-engaged: each caller holds its item across a yield
//     (runtime.Gosched), so items pile up to the high mark, 64, and
//     backpressure is on nearly all the time: callers queue until admitted
//     and the decisions go through the actor, which admits the queue FIFO
//     one item at a time as items drain.
func init() {
	clCases = append(clCases,
		clCase{"backpressure", "bulwark", func(b *testing.B) {
			m, err := backpressure.New(clEngine(b), "cl", backpressure.Config{MaxInFlight: 1 << 16})
			if err != nil {
				b.Fatal(err)
			}
			clRun(b, clGuard(m))
		}},
		clCase{"backpressure", "bulwark-engaged", func(b *testing.B) {
			m, err := backpressure.New(clEngine(b), "cl", backpressure.Config{MaxInFlight: 1 << 16, HighWaterMark: 64, LowWaterMark: 32,
				MaxWaiting: backpressure.LargestMaxWaiting})
			if err != nil {
				b.Fatal(err)
			}
			clRun(b, func() error {
				p, err := m.Acquire(clCtx)
				if err != nil {
					return err
				}
				runtime.Gosched()
				m.Release(p, messages.Success)
				return nil
			})
		}},
	)
}
