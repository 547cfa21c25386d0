package stress

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestBulkheadFastPathSlotsMoveBetweenPs races 48 goroutines on the real
// clock through a bulkhead whose slots move from P to P: callers yield
// while they hold a slot (so they often give it back on another P than
// the one that took it, and the Ps whose stacks run dry take slots off
// the others'), some only try, some give up while they wait, some release
// twice, while Reconfigure moves MaxInFlight between limit and limit+3
// (the actor parks and unparks slots on its own P). In flight never
// exceeds limit+3; afterwards nothing is held or waiting, every call is
// counted once, every second Release is misuse, and exactly limit slots
// are free.
func TestBulkheadFastPathSlotsMoveBetweenPs(t *testing.T) {
	const workers, limit, wider = 48, 6, 9
	calls := 3000
	if testing.Short() || raceOn {
		calls = 600
	}
	b, err := bulkhead.New(enginetest.Start(t), "fastpath", bulkhead.Config{MaxInFlight: limit, MaxWaiting: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var g gauge // calls holding a slot
	var admitted, doubled, cancelled, refused atomic.Uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	reconfigured := make(chan error, 1)
	go func() {
		var err error
		for i := 0; err == nil; i++ {
			select {
			case <-stop:
				reconfigured <- b.Reconfigure(ctx, bulkhead.Config{MaxInFlight: limit, MaxWaiting: 64})
				return
			default:
			}
			err = b.Reconfigure(ctx, bulkhead.Config{MaxInFlight: limit + 3*(i%2), MaxWaiting: 64})
			runtime.Gosched()
		}
		reconfigured <- err
	}()
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				p, err := acquireOneWay(b, w, i)
				switch {
				case errors.Is(err, context.Canceled):
					cancelled.Add(1)
					continue
				case errors.Is(err, errNotTaken):
					refused.Add(1)
					continue
				case err != nil:
					t.Errorf("Acquire: %v", err)
					return
				}
				admitted.Add(1)
				g.enter()
				if i%3 == 0 {
					runtime.Gosched() // give it back, often, from another P
				}
				g.leave()
				b.Release(p, messages.Success)
				if (i+w)%7 == 0 {
					b.Release(p, messages.Success)
					doubled.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	if err := <-reconfigured; err != nil {
		t.Fatalf("Reconfigure: %v", err)
	}
	if p := g.peak.Load(); p > wider {
		t.Errorf("in flight at once: got %d, want at most %d (the larger MaxInFlight)", p, wider)
	}
	st, err := b.Stats(ctx)
	if err != nil || st.InFlight != 0 || st.Waiting != 0 || st.PeakInFlight > wider {
		t.Fatalf("Stats after the race: got %+v, %v; want nothing in flight or waiting, peak ≤ %d", st, err, wider)
	}
	if st.Accepted != admitted.Load() || st.Misused != doubled.Load() || st.Cancelled != cancelled.Load() || st.Rejected != 0 {
		t.Errorf("accepted, misused, cancelled, rejected: got %d, %d, %d, %d, want %d, %d, %d, 0",
			st.Accepted, st.Misused, st.Cancelled, st.Rejected, admitted.Load(), doubled.Load(), cancelled.Load())
	}
	n := 0
	for range limit + 1 {
		p, ok := b.TryAcquire()
		if !ok {
			break
		}
		defer b.Release(p, messages.Success)
		n++
	}
	if n != limit {
		t.Errorf("slots free after the race: got %d, want %d (MaxInFlight)", n, limit)
	}
	t.Logf("admitted %d, tries refused %d, cancelled %d, misused %d, peak %d", st.Accepted, refused.Load(), st.Cancelled, st.Misused, g.peak.Load())
}

// errNotTaken is acquireOneWay's TryAcquire that found no slot.
var errNotTaken = errors.New("no slot free")

// acquireOneWay takes a slot of b for call i of worker w in one of three
// ways: TryAcquire (one call in five), Acquire under a context that ends
// at once or soon (one in eleven), or Acquire.
func acquireOneWay(b *bulkhead.Bulkhead, w, i int) (engine.Permit, error) {
	switch {
	case (i+w)%5 == 0:
		if p, ok := b.TryAcquire(); ok {
			return p, nil
		}
		return engine.Permit{}, errNotTaken
	case (i+w)%11 == 0:
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if i%2 == 0 {
			cancel()
		} else {
			go cancel()
		}
		return b.Acquire(ctx)
	}
	return b.Acquire(context.Background())
}
