package stress

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestLoadShedLowUnderPinnedLoad checks the bound of a Low call's decision
// on the real clock: 32 goroutines churn Normal calls (making and reusing
// slots, through the fast path and the queue) and try Low calls, while
// the test raises the calls it pins (Critical, held until it lowers them)
// from 0 to 16 of 20 and back, round after round. A Low call during which
// more than 12 (60 %) stayed pinned throughout — granted before it began,
// none released before it returned — is shed, whatever else races; at the
// end nothing is in flight and the level is normal.
func TestLoadShedLowUnderPinnedLoad(t *testing.T) { lowUnderPinnedLoad(t, 20) }

// TestLoadShedLowUnderPinnedLoadReconfigured is TestLoadShedLowUnderPinnedLoad
// while another goroutine moves MaxInFlight between 20 and 24 (the limit
// parks and gives back permits as Low calls read its bound): a Low call
// during which more than 60 % of 24 stayed pinned throughout is shed.
func TestLoadShedLowUnderPinnedLoadReconfigured(t *testing.T) { lowUnderPinnedLoad(t, 24) }

// lowUnderPinnedLoad runs TestLoadShedLowUnderPinnedLoad with MaxInFlight
// moving between 20 and most (none when most is 20).
func lowUnderPinnedLoad(t *testing.T, most int64) {
	const limit, top, workers = 20, 16, 32
	rounds, perTop := 30, uint64(400)
	if testing.Short() || raceOn {
		rounds, perTop = 8, 100
	}
	s, err := loadshed.New(enginetest.Start(t), "pinned", loadshed.Config{MaxInFlight: limit, MaxWaiting: 8})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var (
		pinned   atomic.Int64  // pinned calls: raised after the grant, lowered before the release
		unpins   atomic.Uint64 // pinned releases so far
		lowTries atomic.Uint64
		checked  atomic.Uint64 // Low calls with more than 60 % pinned throughout
		lowIn    atomic.Uint64
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				if (i+w)%3 != 0 {
					p, err := s.AcquirePriority(ctx, messages.Normal)
					if err == nil {
						runtime.Gosched()
						s.Release(p, messages.Success)
					} else if !errors.Is(err, loadshed.ErrShed) {
						t.Errorf("Normal: %v", err)
						return
					}
					continue
				}
				p0, u0 := pinned.Load(), unpins.Load()
				p, err := s.AcquirePriority(ctx, messages.Low)
				held := u0 == unpins.Load() && p0*100 > 60*most
				lowTries.Add(1)
				if held {
					checked.Add(1)
				}
				switch {
				case err == nil:
					lowIn.Add(1)
					if held {
						t.Errorf("a Low call was admitted while %d or more of %d stayed pinned", p0, limit)
					}
					s.Release(p, messages.Success)
				case !errors.Is(err, loadshed.ErrShed):
					t.Errorf("Low: %v", err)
					return
				}
			}
		})
	}
	if most != limit {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				n := limit + int(most-limit)*(i%2)
				if err := s.Reconfigure(ctx, loadshed.Config{MaxInFlight: n, MaxWaiting: 8}); err != nil {
					t.Errorf("Reconfigure(%d): %v", n, err)
					return
				}
			}
		})
	}
	var pins []engine.Permit
	for range rounds {
		for len(pins) < top {
			p, err := s.AcquirePriority(ctx, messages.Critical)
			if err != nil {
				continue // shed while the queue is full of Critical calls: try again
			}
			pins = append(pins, p)
			pinned.Add(1)
		}
		// Stay at the top until the workers have tried perTop Low calls.
		for from := lowTries.Load(); lowTries.Load()-from < perTop && !t.Failed(); {
			runtime.Gosched()
		}
		for len(pins) > 0 {
			pinned.Add(-1)
			unpins.Add(1)
			s.Release(pins[len(pins)-1], messages.Success)
			pins = pins[:len(pins)-1]
		}
	}
	stop.Store(true)
	wg.Wait()
	if checked.Load() == 0 {
		t.Fatal("no Low call ran with more than 60 % pinned: the test checked nothing")
	}
	st, err := s.Stats(ctx)
	if err != nil || st.InFlight != 0 || st.Waiting != 0 || st.Level != loadshed.LevelNormal {
		t.Fatalf("Stats at the end: got %+v, %v; want nothing in flight or waiting, level normal", st, err)
	}
	t.Logf("Low calls: %d tried, %d checked, %d admitted; peak %d", lowTries.Load(), checked.Load(), lowIn.Load(), st.PeakInFlight)
}
