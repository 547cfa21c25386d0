package ratelimit_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
)

// One million distinct keys, each seen once over 10 s of fake time: while
// they are live each costs at most 200 bytes of heap; once their window
// has passed and a sweep has run, the limiter's whole live heap is at most
// 10 MB. It takes a few seconds, so -short skips it, and so does -race
// (which changes the heap).
func TestMemoryMillionKeys(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("long memory test: not under -short or -race")
	}
	const keys = 1_000_000
	l, clock, _ := newLimiter(t, ratelimit.Config{})
	ctx := context.Background()
	before := liveHeap()

	buf := []byte("user-")
	step := 10 * time.Second / keys
	for i := range keys {
		buf = strconv.AppendInt(buf[:5], int64(i), 10)
		if err := l.Allow(ctx, string(buf), "1/minute"); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		clock.Advance(step)
	}
	if st := stats(t, l); st.ActiveKeys != keys {
		t.Fatalf("got %d active keys, want %d", st.ActiveKeys, keys)
	}
	live := liveHeap() - before
	perKey := float64(live) / keys
	t.Logf("1,000,000 live keys: %.1f MB live heap, %.1f bytes a key", float64(live)/1e6, perKey)
	if perKey > 200 {
		t.Errorf("got %.1f bytes a key, want at most 200", perKey)
	}

	start := time.Now()
	clock.Advance(ratelimit.DefaultSweepInterval) // a sweep that keeps every key
	st := stats(t, l)
	t.Logf("a sweep over %d live keys (%d shards, in chunks of 4096 slots) took %v of wall time", st.ActiveKeys, st.Shards, time.Since(start))

	// The window passes, the keys stay one more window (the sweep's grace),
	// and a sweep runs.
	clock.Advance(2*time.Minute + ratelimit.DefaultSweepInterval)
	if st := stats(t, l); st.ActiveKeys != 0 {
		t.Fatalf("after the window: got %d active keys, want 0", st.ActiveKeys)
	}
	after := liveHeap()
	t.Logf("after the window and a sweep: live heap %.2f MB (%.2f MB above the start)", float64(after)/1e6, float64(after-min(before, after))/1e6)
	if after > 10<<20 {
		t.Errorf("got %d bytes of live heap, want at most 10 MB", after)
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
