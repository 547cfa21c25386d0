package stress

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// The attempts' context under any interleaving, on the real clock: 64
// goroutines × rounds() calls, a hedge after 100µs, attempts that wait on
// their context (making its Done channel), derive from it, or ignore it,
// racing the call's return and its cancellation. Exact: calls = Succeeded
// + Failed; every context an attempt saw is cancelled by the time the
// call returned, also one whose Done nobody asked for; a context derived
// from it is cancelled with it; no attempt outlives the test (goleak).
func TestHedgeAttemptsContextAlwaysCancelled(t *testing.T) {
	eng := enginetest.Start(t)
	h, err := hedge.New(eng, "contexts", hedge.Config{Delay: 100 * time.Microsecond, MaxHedges: 2, BudgetPercent: 200, BudgetBurst: 1000})
	if err != nil {
		t.Fatal(err)
	}
	const goroutines = 64
	var live, unexpected atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds(); r++ {
				var mu sync.Mutex // test bookkeeping only
				var seen []context.Context
				_, err := hedge.Do(context.Background(), h, func(ctx context.Context) (int, error) {
					mode := (g + r + hedge.Attempt(ctx)) % 3
					if mode == 1 {
						d, cancel := context.WithCancel(ctx)
						defer cancel()
						ctx = d
					}
					mu.Lock()
					seen = append(seen, ctx)
					mu.Unlock()
					if mode == 2 || hedge.Attempt(ctx) > 0 {
						return 1, nil // ignores its context
					}
					select {
					case <-ctx.Done():
						return 0, ctx.Err()
					case <-time.After(time.Duration(r%3) * 100 * time.Microsecond):
						return 1, nil
					}
				})
				if err != nil && !errors.Is(err, context.Canceled) {
					unexpected.Add(1)
				}
				mu.Lock()
				for _, ctx := range seen {
					if ctx.Err() == nil {
						live.Add(1)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st, err := h.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	calls := uint64(goroutines * rounds())
	switch {
	case st.Calls != calls || st.Succeeded+st.Failed != calls:
		t.Fatalf("%+v: want %d calls, each succeeded or failed", st, calls)
	case live.Load() != 0:
		t.Fatalf("%d attempt contexts still live after their call returned", live.Load())
	case unexpected.Load() != 0 || st.Failed != 0:
		t.Fatalf("%d unexpected errors, %+v; want every call to succeed", unexpected.Load(), st)
	case st.Hedges == 0:
		t.Fatalf("%+v: no hedge started", st)
	}
	t.Logf("%+v", st)
}
