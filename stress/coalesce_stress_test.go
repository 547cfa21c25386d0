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

// 10,000 callers (1,000 under -short) × 5 calls over 64 keys, MaxKeys 32,
// every seventh caller with a context that ends at a random point.
// Exact: Leaders + Followers + Rejected + Gone = calls; executions = Leaders;
// never two executions of one key at once, never more than MaxKeys keys
// running; every answer is its key's; a caller fails only by its own
// context or a refusal; nothing stays in flight.
func TestCoalesceStormExactCounts(t *testing.T) {
	const keys, maxKeys, perCaller = 64, 32, 5
	g, err := coalesce.New[string](enginetest.Start(t), "storm", coalesce.Config{MaxKeys: maxKeys, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var running [keys]atomic.Int32
	var executions, overlaps, wrong, strange atomic.Int64
	var keysRunning gauge
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
					keysRunning.enter()
					defer keysRunning.leave()
					if !running[k].CompareAndSwap(0, 1) {
						overlaps.Add(1)
					}
					time.Sleep(50 * time.Microsecond)
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
	st, err := g.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	calls := uint64(n * perCaller)
	switch {
	case st.Leaders+st.Followers+st.Rejected+st.Gone != calls:
		t.Fatalf("%+v: leaders + followers + rejected + gone != calls %d", st, calls)
	case uint64(executions.Load()) != st.Leaders:
		t.Fatalf("executions %d, leaders %d: want equal", executions.Load(), st.Leaders)
	case overlaps.Load() != 0 || wrong.Load() != 0 || strange.Load() != 0:
		t.Fatalf("%d overlapping executions of a key, %d wrong answers, %d unexpected errors; want none",
			overlaps.Load(), wrong.Load(), strange.Load())
	case keysRunning.peak.Load() > maxKeys:
		t.Fatalf("%d keys running at once, MaxKeys %d", keysRunning.peak.Load(), maxKeys)
	case st.InFlight != 0 || g.InFlight() != 0:
		t.Fatalf("%d keys still in flight", st.InFlight)
	case st.Followers == 0:
		t.Fatalf("%+v: nothing coalesced", st)
	}
	t.Logf("%+v, peak %d keys running", st, keysRunning.peak.Load())
}
