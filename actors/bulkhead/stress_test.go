package bulkhead_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
)

// 10,000 goroutines through a bulkhead of 10 with a queue for all of them:
// active never exceeds the limit at any instant, every call runs, every
// acquire is matched by one release.
func TestStress(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n, limit = 10000, 10
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: limit, MaxWaiting: n})
	var running, peak, calls atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			err := b.Execute(context.Background(), func(context.Context) error {
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
	if p := peak.Load(); p > limit || p < 1 {
		t.Fatalf("peak concurrency: got %d, want 1..%d", p, limit)
	}
	st := stats(t, b)
	if calls.Load() != n || st.InFlight != 0 || st.Waiting != 0 || st.PeakInFlight > limit {
		t.Fatalf("calls, active, waiting, peak: got %d %d %d %d, want %d 0 0 ≤%d", calls.Load(), st.InFlight, st.Waiting, st.PeakInFlight, n, limit)
	}
	counts(t, st, n, 0, 0, 0)
}

// The same crowd with short queues and cancellations: some are rejected or
// cancelled, none leaks a slot, each is counted once.
func TestStressWithCancellation(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n, limit = 10000, 10
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: limit, MaxWaiting: 100})
	var running, peak, ok atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if i%3 == 0 {
				go cancel()
			}
			err := b.Execute(ctx, func(context.Context) error {
				r := running.Add(1)
				for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
				}
				running.Add(-1)
				return nil
			})
			if err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Fatalf("peak concurrency: got %d, want ≤%d", p, limit)
	}
	st := stats(t, b)
	if st.InFlight != 0 || st.Waiting != 0 {
		t.Fatalf("active, waiting: got %d %d, want 0 0", st.InFlight, st.Waiting)
	}
	if total := st.Accepted + st.Rejected + st.Cancelled; total != n || st.Accepted != uint64(ok.Load()) {
		t.Fatalf("accepted %d + rejected %d + cancelled %d = %d, want %d (accepted = %d successes)", st.Accepted, st.Rejected, st.Cancelled, total, n, ok.Load())
	}
}

// 10,000 queued goroutines get the one slot strictly in the order they
// were queued, each passing it on as it releases.
func TestStressFIFO(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n = 10000
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: n})
	acquireN(t, b, 1)
	order := make([]int, 0, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := b.Execute(context.Background(), func(context.Context) error {
				order = append(order, i) // the slot serialises the appends
				return nil
			})
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
		})
		waitQueued(t, b, i+1)
	}
	releaseN(b, 1)
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("grant %d: got waiter %d, want %d", i, got, i)
		}
	}
	if len(order) != n {
		t.Fatalf("grants: got %d, want %d", len(order), n)
	}
}
