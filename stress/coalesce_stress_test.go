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

// 1,024 callers (256 under -short) × 20 calls over 4,096 keys, MaxKeys
// 512, so the shards keep spare places and the places run out: with and
// without ReuseFor (kept results hold places too), on the real clock.
// Never more than MaxKeys keys running; every call counted once; some
// calls refused (the places ran out); every answer is its key's; and once
// all is done nothing is in flight or kept, and MaxKeys new keys run at
// once: no place was lost on the way between the shards and the Group.
func TestCoalesceSparePlacesStorm(t *testing.T) {
	const keys, maxKeys, perCaller = 4096, 512, 20
	for _, reuse := range []time.Duration{0, 300 * time.Microsecond} {
		g, err := coalesce.New[string](nil, "spare", coalesce.Config{MaxKeys: maxKeys, ReuseFor: reuse})
		if err != nil {
			t.Fatal(err)
		}
		var keysRunning gauge
		var wrong, strange atomic.Int64
		n, hold := 1024, 200*time.Millisecond
		if testing.Short() {
			n, hold = 256, 20*time.Millisecond
		}
		// the first executions wait until MaxKeys keys run (or hold), so
		// the places run out
		full := make(chan struct{})
		var fill sync.Once
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				for r := range perCaller {
					key := fmt.Sprint("key-", (i*perCaller+r)%keys)
					v, err := g.Do(context.Background(), key, func(context.Context) (string, error) {
						if keysRunning.enter() >= maxKeys {
							fill.Do(func() { close(full) })
						}
						defer keysRunning.leave()
						select {
						case <-full:
							time.Sleep(100 * time.Microsecond)
						case <-time.After(hold):
						}
						return key, nil
					})
					switch {
					case err == nil && v != key:
						wrong.Add(1)
					case err != nil && !errors.Is(err, coalesce.ErrTooManyKeys):
						strange.Add(1)
					}
				}
			})
		}
		wg.Wait()
		st, _ := g.Stats(context.Background())
		switch calls := uint64(n * perCaller); {
		case st.Leaders+st.Followers+st.Reused+st.Rejected+st.Gone != calls:
			t.Fatalf("reuse %v: %+v: the calls counted are not %d", reuse, st, calls)
		case wrong.Load() != 0 || strange.Load() != 0:
			t.Fatalf("reuse %v: %d wrong answers, %d unexpected errors", reuse, wrong.Load(), strange.Load())
		case keysRunning.peak.Load() > maxKeys:
			t.Fatalf("reuse %v: %d keys running at once, MaxKeys %d", reuse, keysRunning.peak.Load(), maxKeys)
		case !testing.Short() && st.Rejected == 0:
			t.Fatalf("reuse %v: %+v: the places never ran out", reuse, st)
		}
		if !waitFor(5*time.Second, func() bool { return g.InFlight() == 0 && g.Kept() == 0 }) {
			t.Fatalf("reuse %v: after every call %d in flight, %d kept; want none", reuse, g.InFlight(), g.Kept())
		}
		release := make(chan struct{})
		var all sync.WaitGroup
		var refused atomic.Int64
		for i := range maxKeys {
			all.Go(func() {
				_, err := g.Do(context.Background(), fmt.Sprint("again-", i), func(context.Context) (string, error) {
					<-release
					return "", nil
				})
				if err != nil {
					refused.Add(1)
				}
			})
		}
		waitFor(5*time.Second, func() bool { return g.InFlight()+int(refused.Load()) == maxKeys })
		close(release)
		all.Wait()
		if refused.Load() != 0 {
			t.Fatalf("reuse %v: %d of %d new keys refused once all was done: places lost", reuse, refused.Load(), maxKeys)
		}
		t.Logf("reuse %v: %+v, peak %d keys running", reuse, st, keysRunning.peak.Load())
	}
}
