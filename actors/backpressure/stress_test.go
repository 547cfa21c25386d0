package backpressure_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
)

// 10,000 goroutines that all wait: pending never exceeds the high mark at
// any instant, every call runs once, every acquire is matched by one
// release.
func TestStress(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n, high = 10000, 10
	m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 2 * n, HighWaterMark: high, LowWaterMark: high / 2})
	var running, peak, calls atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			err := m.Execute(context.Background(), func(context.Context) error {
				r := running.Add(1)
				for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
				}
				calls.Add(1)
				running.Add(-1)
				return nil
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Execute: got %v, want nil", err)
	}
	if p := peak.Load(); p > high {
		t.Fatalf("peak concurrency: got %d, want ≤%d", p, high)
	}
	st := want(t, m, 0, 0, false)
	if calls.Load() != n || st.Accepted != n {
		t.Fatalf("calls, accepted: got %d %d, want %d", calls.Load(), st.Accepted, n)
	}
}

// 10,000 queued goroutines are admitted strictly in the order they were
// queued, one per drained item.
func TestStressFIFO(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n = 10000
	m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 2 * n, HighWaterMark: 1, LowWaterMark: backpressure.Drained})
	acquireN(t, m, 1)
	order := make([]int, 0, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := m.Execute(context.Background(), func(context.Context) error {
				order = append(order, i) // high mark 1 serialises the appends
				return nil
			})
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
		})
		waitQueued(t, m, i+1)
	}
	releaseN(m, 1)
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("admission %d: got waiter %d, want %d", i, got, i)
		}
	}
	if len(order) != n {
		t.Fatalf("admissions: got %d, want %d", len(order), n)
	}
}
