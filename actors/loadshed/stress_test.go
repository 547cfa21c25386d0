package loadshed_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/messages"
)

// TestStress runs 10,000 goroutines of mixed priorities against a small
// shedder, a third of them giving up while they wait: in-flight never
// exceeds the limit, every grant is released once, and at the end every
// slot is back.
func TestStress(t *testing.T) {
	const (
		workers = 10000
		limit   = 16
	)
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: limit, MaxWaiting: 2048})
	var active, peak, granted, released, shed, cancelled atomic.Int64
	prios := []messages.Priority{messages.Low, messages.Normal, messages.Normal, messages.High, messages.Critical}
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if i%3 == 0 {
				go func() { runtime.Gosched(); cancel() }()
			}
			p, err := s.AcquirePriority(ctx, prios[i%len(prios)])
			switch {
			case err == nil:
			case errors.Is(err, loadshed.ErrShed):
				shed.Add(1)
				return
			case errors.Is(err, context.Canceled):
				cancelled.Add(1)
				return
			default:
				t.Errorf("AcquirePriority: %v", err)
				return
			}
			granted.Add(1)
			n := active.Add(1)
			if n > limit {
				t.Errorf("active %d > limit %d", n, limit)
			}
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			runtime.Gosched()
			active.Add(-1)
			released.Add(1)
			s.Release(p, messages.Success)
		}()
	}
	wg.Wait()
	if g, r := granted.Load(), released.Load(); g != r || g+shed.Load()+cancelled.Load() != workers {
		t.Fatalf("granted %d released %d shed %d cancelled %d: want granted = released and a total of %d",
			g, r, shed.Load(), cancelled.Load(), workers)
	}
	st := stats(t, s)
	if st.InFlight != 0 || st.Waiting != 0 || uint64(shed.Load()) != st.Rejected {
		t.Fatalf("got %+v, want nothing in flight or queued and shed %d", st, shed.Load())
	}
	// Every slot is back, exactly: limit grants, then a refusal.
	acquireN(t, s, limit)
	if _, err := acquirePriority(s, context.Background(), messages.Low); !errors.Is(err, loadshed.ErrShed) {
		t.Fatalf("Acquire beyond the limit: got %v, want shed", err)
	}
	t.Logf("granted %d, shed %d, cancelled %d, peak %d", granted.Load(), shed.Load(), cancelled.Load(), peak.Load())
}
