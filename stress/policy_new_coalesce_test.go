package stress

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// The coalescing window on the real clock: 10,000 callers (1,000 under
// -short) × 5 calls over 64 keys, MaxKeys 16, ReuseFor 200µs, every
// seventh caller with a context that ends at a random point, a monitor
// reading Stats throughout. Exact: Leaders + Followers + Reused +
// Rejected + Gone = calls; executions = Leaders; never two executions of
// one key at once; keys in flight + kept never above MaxKeys; every
// answer is its key's; once the window has passed nothing is kept or in
// flight.
func TestCoalesceReuseWindowExactCounts(t *testing.T) {
	const keys, maxKeys, perCaller = 64, 16, 5
	g, err := coalesce.New[string](enginetest.Start(t), "window",
		coalesce.Config{MaxKeys: maxKeys, Timeout: 10 * time.Second, ReuseFor: 200 * time.Microsecond})
	if err != nil {
		t.Fatal(err)
	}
	var running [keys]atomic.Int32
	var executions, overlaps, wrong, strange, overfull atomic.Int64
	stop := make(chan struct{})
	monitor := make(chan struct{})
	go func() { // keys held never exceed MaxKeys, whenever looked at
		defer close(monitor)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if st, err := g.Stats(context.Background()); err != nil || st.InFlight+st.Kept > maxKeys {
				overfull.Add(1)
			}
		}
	}()
	n := callers()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%7 == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Duration(i%500)*time.Microsecond)
				defer cancel()
			}
			for r := 0; r < perCaller; r++ {
				k := (i + r) % keys
				key := fmt.Sprint("key-", k)
				v, err := g.Do(ctx, key, func(context.Context) (string, error) {
					executions.Add(1)
					if !running[k].CompareAndSwap(0, 1) {
						overlaps.Add(1)
					}
					time.Sleep(20 * time.Microsecond)
					running[k].Store(0)
					return key, nil
				})
				switch {
				case err == nil && v != key:
					wrong.Add(1)
				case err != nil && !errors.Is(err, coalesce.ErrTooManyKeys) && !errors.Is(err, context.DeadlineExceeded):
					strange.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-monitor
	st, err := g.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	calls := uint64(n * perCaller)
	switch {
	case st.Leaders+st.Followers+st.Reused+st.Rejected+st.Gone != calls:
		t.Fatalf("%+v: leaders + followers + reused + rejected + gone != calls %d", st, calls)
	case uint64(executions.Load()) != st.Leaders:
		t.Fatalf("executions %d, leaders %d: want equal", executions.Load(), st.Leaders)
	case overlaps.Load() != 0 || wrong.Load() != 0 || strange.Load() != 0:
		t.Fatalf("%d overlapping executions of a key, %d wrong answers, %d unexpected errors; want none",
			overlaps.Load(), wrong.Load(), strange.Load())
	case overfull.Load() != 0:
		t.Fatalf("%d looks saw more than MaxKeys %d keys held", overfull.Load(), maxKeys)
	case st.Reused == 0:
		t.Fatalf("%+v: nothing reused", st)
	}
	if !waitFor(5*time.Second, func() bool { return g.InFlight() == 0 && g.Kept() == 0 }) {
		t.Fatalf("after the window: %d in flight, %d kept; want none", g.InFlight(), g.Kept())
	}
	t.Logf("%+v", st)
}
