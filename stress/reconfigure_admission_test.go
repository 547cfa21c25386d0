package stress

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// admissionCase is a pattern with a slot limit that Reconfigure changes.
type admissionCase struct {
	guard  engine.Guard
	reject error
	// doneBefore: a call whose context ended before it started is not
	// counted in Stats (the load shedder's rule), so Stats' Cancelled is
	// at most the test's.
	doneBefore bool
	// set applies a MaxInFlight and a MaxWaiting.
	set func(ctx context.Context, maxInFlight, maxWaiting int) error
	// stats returns InFlight, Waiting, PeakInFlight, Accepted, Rejected,
	// Cancelled and Misused.
	stats func(ctx context.Context) ([7]uint64, error)
}

// admitGenerations counts the callers under way by the generation they started
// in: a generation ends when a Reconfigure returns.
type admitGenerations struct {
	epoch  atomic.Uint64
	active [2]atomic.Int64
}

// enter counts a caller in the current generation and returns it.
func (g *admitGenerations) enter() uint64 {
	for {
		e := g.epoch.Load()
		g.active[e&1].Add(1)
		if g.epoch.Load() == e {
			return e
		}
		g.active[e&1].Add(-1)
	}
}

func (g *admitGenerations) leave(e uint64) { g.active[e&1].Add(-1) }

// next starts a generation and waits until every caller of the one before
// has left.
func (g *admitGenerations) next(deadline time.Time) error {
	old := g.epoch.Add(1) - 1
	for g.active[old&1].Load() != 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d callers from before a Reconfigure still under way", g.active[old&1].Load())
		}
		runtime.Gosched()
	}
	return nil
}

// hammerAdmissionReconfigure runs 64 goroutines through c's Acquire and Release
// while one goroutine moves MaxInFlight between 3 and 8 and MaxWaiting
// between 0 and 4. In flight, as the test counts it, never exceeds 8 (the
// larger limit, the honest bound while a change is under way), nor 3 once
// a Reconfigure to 3 has returned and every caller that had started
// before it has left. Every Acquire ends granted, rejected or cancelled,
// and Stats counts each once; nothing is left held or waiting.
func hammerAdmissionReconfigure(t *testing.T, c admissionCase) {
	const workers, low, high = 64, 3, 8
	rounds := 100
	if testing.Short() {
		rounds = 20
	}
	var (
		gens                         admitGenerations
		inflight, bound              atomic.Int64
		granted, rejected, cancelled atomic.Uint64
		stop                         atomic.Bool
		wg                           sync.WaitGroup
		errOnce                      sync.Once
		firstErr                     error
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err; stop.Store(true) }) }
	bound.Store(high)
	for w := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				e := gens.enter()
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if (i+w)%5 == 0 {
					ctx, cancel = context.WithTimeout(ctx, 200*time.Microsecond)
				}
				p, err := c.guard.Acquire(ctx)
				switch {
				case err == nil:
					granted.Add(1)
					n := inflight.Add(1)
					if b := bound.Load(); n > b {
						fail(fmt.Errorf("in flight %d above the limit in force %d", n, b))
					}
					for range i % 4 {
						runtime.Gosched()
					}
					inflight.Add(-1)
					c.guard.Release(p, messages.Success)
				case errors.Is(err, c.reject):
					rejected.Add(1)
					runtime.Gosched() // leave the CPU to the holders
				case errors.Is(err, context.DeadlineExceeded):
					cancelled.Add(1)
				default:
					fail(fmt.Errorf("Acquire: %v", err))
				}
				cancel()
				gens.leave(e)
			}
		})
	}
	ctx := context.Background()
	for r := 0; r < rounds && !stop.Load(); r++ {
		limit, waiting := high, 4
		if r%2 == 0 {
			limit, waiting = low, 0
		}
		if r%4 >= 2 {
			waiting = 4 - waiting
		}
		bound.Store(high) // the larger of the two while the change is under way
		if err := c.set(ctx, limit, waiting); err != nil {
			fail(fmt.Errorf("Reconfigure(%d, %d): %v", limit, waiting, err))
			break
		}
		if err := gens.next(time.Now().Add(time.Minute)); err != nil {
			fail(err)
			break
		}
		bound.Store(int64(limit))
		for g := granted.Load(); granted.Load() < g+50 && !stop.Load(); {
			runtime.Gosched()
		}
	}
	stop.Store(true)
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	st, err := c.stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := [7]uint64{0, 0, st[2], granted.Load(), rejected.Load(), cancelled.Load(), 0}
	if c.doneBefore && st[5] <= want[5] {
		want[5] = st[5]
	}
	if st != want || st[2] > high {
		t.Fatalf("Stats (in flight, waiting, peak, accepted, rejected, cancelled, misused): got %v, want %v, peak ≤ %d", st, want, high)
	}
	if granted.Load() == 0 || rejected.Load() == 0 {
		t.Fatalf("granted %d, rejected %d: want some of each", granted.Load(), rejected.Load())
	}
	t.Logf("%d rounds: %d granted, %d rejected, %d cancelled, peak %d", rounds, granted.Load(), rejected.Load(), cancelled.Load(), st[2])
}

func TestReconfigureBulkheadStress(t *testing.T) {
	b, err := bulkhead.New(enginetest.Start(t), "reconf", bulkhead.Config{MaxInFlight: 8, MaxWaiting: 4})
	if err != nil {
		t.Fatal(err)
	}
	hammerAdmissionReconfigure(t, admissionCase{guard: b, reject: bulkhead.ErrFull,
		set: func(ctx context.Context, n, w int) error {
			return b.Reconfigure(ctx, bulkhead.Config{MaxInFlight: n, MaxWaiting: w})
		},
		stats: func(ctx context.Context) ([7]uint64, error) {
			st, err := b.Stats(ctx)
			return [7]uint64{uint64(st.InFlight), uint64(st.Waiting), uint64(st.PeakInFlight), st.Accepted, st.Rejected, st.Cancelled, st.Misused}, err
		}})
}

func TestReconfigureLoadShedderStress(t *testing.T) {
	s, err := loadshed.New(enginetest.Start(t), "reconf", loadshed.Config{MaxInFlight: 8, MaxWaiting: 4})
	if err != nil {
		t.Fatal(err)
	}
	hammerAdmissionReconfigure(t, admissionCase{guard: s, reject: loadshed.ErrShed, doneBefore: true,
		set: func(ctx context.Context, n, w int) error {
			return s.Reconfigure(ctx, loadshed.Config{MaxInFlight: n, MaxWaiting: w})
		},
		stats: func(ctx context.Context) ([7]uint64, error) {
			st, err := s.Stats(ctx)
			return [7]uint64{uint64(st.InFlight), uint64(st.Waiting), uint64(st.PeakInFlight), st.Accepted, st.Rejected, st.Cancelled, st.Misused}, err
		}})
}

// The gate's high-water mark plays the limit: the items pending never
// exceed the mark in force (the item that reaches it is admitted and turns
// backpressure on).
func TestReconfigureBackpressureStress(t *testing.T) {
	g, err := backpressure.New(enginetest.Start(t), "reconf", backpressure.Config{MaxInFlight: 16, HighWaterMark: 8, LowWaterMark: 1, MaxWaiting: 4})
	if err != nil {
		t.Fatal(err)
	}
	hammerAdmissionReconfigure(t, admissionCase{guard: g, reject: backpressure.ErrBackpressure,
		set: func(ctx context.Context, n, w int) error {
			return g.Reconfigure(ctx, backpressure.Config{MaxInFlight: 16, HighWaterMark: n, LowWaterMark: 1, MaxWaiting: w})
		},
		stats: func(ctx context.Context) ([7]uint64, error) {
			st, err := g.Stats(ctx)
			return [7]uint64{uint64(st.InFlight), uint64(st.Waiting), uint64(st.PeakInFlight), st.Accepted, st.Rejected, st.Cancelled, st.Misused}, err
		}})
}
