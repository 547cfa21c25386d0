package ratelimit_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
)

// An idle limiter holds only a pointer for each shard that has not
// started: its cost must not grow with Shards (which defaults to
// GOMAXPROCS) beyond that, so that an idle limiter stays within issue
// 16's kilobyte on a machine of many processors. 500 limiters of 64
// shards cost at most 64 pointers and 128 bytes each more than 500 of 1
// (a shard is 144 bytes).
// Not under -race, which changes the heap.
func TestIdleLimiterBytesDoNotGrowWithShards(t *testing.T) {
	if raceEnabled {
		t.Skip("measures the heap")
	}
	const n = 500
	eng, _ := newEngine(t, epoch)
	cost := func(prefix string, shards int) float64 {
		keep := make([]*ratelimit.Limiter, n)
		before := liveHeapBytes()
		for i := range keep {
			l, err := ratelimit.New(eng, prefix+strconv.Itoa(i), ratelimit.Config{Shards: shards})
			if err != nil {
				t.Fatal(err)
			}
			keep[i] = l
		}
		after := liveHeapBytes()
		runtime.KeepAlive(keep)
		return float64(after-before) / n
	}
	one, many := cost("one-", 1), cost("many-", 64)
	t.Logf("an idle limiter: %.0f bytes with 1 shard, %.0f with 64", one, many)
	if limit := one + 64*8 + 128; many > limit {
		t.Errorf("an idle limiter of 64 shards costs %.0f bytes, want at most %.0f (%.0f for 1 shard, a pointer a shard and 128 bytes)", many, limit, one)
	}
}

// liveHeapBytes returns the bytes of the heap's objects after two full
// collections: what is reachable (HeapAlloc), not the spans that hold it
// (HeapInuse, which garbage of earlier tests leaves partly free).
func liveHeapBytes() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// KeyGuards made before their shards started decide on them once they
// have: the first Allow of each key starts its shard and is granted, the
// next is refused (the guard's cached cell is the started shard's).
func TestGuardsMadeBeforeTheirShardStarted(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{Shards: 8})
	r, err := ratelimit.ParseRate("1/hour")
	if err != nil {
		t.Fatal(err)
	}
	guards := make([]ratelimit.KeyGuard, 32)
	for i := range guards {
		if guards[i], err = l.Guard("g"+strconv.Itoa(i), r); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for i, g := range guards {
		if err := g.Allow(ctx); err != nil {
			t.Fatalf("guard %d, first Allow: %v", i, err)
		}
		if err := g.Allow(ctx); !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatalf("guard %d, second Allow: got %v, want ErrLimited", i, err)
		}
	}
	if st := stats(t, l); st.ActiveKeys != len(guards) || st.Accepted != uint64(len(guards)) {
		t.Fatalf("Stats: got %+v, want %d keys, each accepted once", st, len(guards))
	}
}
