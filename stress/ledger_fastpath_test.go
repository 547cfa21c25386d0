package stress

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestBackpressureFastPathKeepsTheMark races 48 goroutines on the real
// clock through a gate whose callers take their items off their core's
// stack of free permits while its actor closes and reopens that path and
// admits the item that reaches the high mark, and waiters, beyond the
// fast path's share: pending never exceeds HighWaterMark, every item comes
// back (afterwards exactly HighWaterMark are admitted
// before backpressure turns on), and every second Release of a permit
// takes nothing away and is counted as misuse.
func TestBackpressureFastPathKeepsTheMark(t *testing.T) {
	const workers, low, high = 48, 2, 4
	calls := 3000
	if testing.Short() || raceOn {
		calls = 600
	}
	cfg := backpressure.Config{MaxInFlight: 256, HighWaterMark: high, LowWaterMark: low, MaxWaiting: 128}
	g, err := backpressure.New(enginetest.Start(t), "fastpath", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var held gauge
	var admitted, doubled, rejected atomic.Uint64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				acquire := g.Acquire
				if (i+w)%5 == 0 {
					acquire = g.AcquireNow
				}
				p, err := acquire(ctx)
				if err != nil {
					if !errors.Is(err, backpressure.ErrBackpressure) {
						t.Errorf("Acquire: %v", err)
						return
					}
					rejected.Add(1)
					continue
				}
				admitted.Add(1)
				held.enter()
				if i%3 == 0 {
					runtime.Gosched() // items pile up to the mark: the actor decides
				}
				held.leave()
				g.Release(p, messages.Success)
				if (i+w)%7 == 0 {
					g.Release(p, messages.Success)
					doubled.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if p := held.peak.Load(); p > high {
		t.Errorf("items pending at once: got %d, want at most %d (HighWaterMark)", p, high)
	}
	st, err := g.Stats(ctx)
	if err != nil || st.InFlight != 0 || st.Waiting != 0 || st.Active {
		t.Fatalf("Stats after the race: got %+v, %v; want nothing pending or waiting, backpressure off", st, err)
	}
	if st.Accepted != admitted.Load() || st.Misused != doubled.Load() || st.Rejected != rejected.Load() {
		t.Errorf("accepted, misused, rejected: got %d, %d, %d, want %d, %d, %d",
			st.Accepted, st.Misused, st.Rejected, admitted.Load(), doubled.Load(), rejected.Load())
	}
	n := 0
	for range high + 1 {
		p, err := g.AcquireNow(ctx)
		if err != nil {
			break
		}
		defer g.Release(p, messages.Success)
		n++
	}
	if n != high {
		t.Errorf("admitted after the race before backpressure turned on: got %d, want %d (HighWaterMark)", n, high)
	}
	t.Logf("admitted %d, rejected %d, misused %d, peak %d", st.Accepted, st.Rejected, st.Misused, held.peak.Load())
}
