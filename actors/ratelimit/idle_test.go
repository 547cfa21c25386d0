package ratelimit_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// An idle limiter runs shard 0 alone and arms no timer; Stats answers for
// the shards that have not started (their share of MaxKeys included), a
// Reconfigure applies to them, and they start, with the config in force,
// when a key first lands in them.
func TestIdleLimiterStartsShardsOnUse(t *testing.T) {
	eng, clock := newEngine(t, epoch)
	l, err := ratelimit.New(eng, "idle", ratelimit.Config{Shards: 4, MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	sup := eng.Supervisor()
	lookup := func(kind, name string) bool { _, ok := sup.Lookup(kind, name); return ok }
	started := func() int {
		n := 0
		for i := 1; i < 4; i++ {
			if lookup(ratelimit.ShardKind, "idle/"+strconv.Itoa(i)) {
				n++
			}
		}
		return n
	}
	if n := started(); n != 0 {
		t.Fatalf("%d extra shards started at New, want none", n)
	}
	if st := stats(t, l); st.Shards != 4 || st.MaxKeys != 1000 || st.ActiveKeys != 0 {
		t.Fatalf("idle Stats: got %+v, want 4 shards, MaxKeys 1000, no key", st)
	}
	if n := clock.Timers(); n != 0 {
		t.Fatalf("an idle limiter arms %d timers, want none", n)
	}
	next := ratelimit.Config{Shards: 4, MaxKeys: 2000, SweepInterval: time.Second}
	if err := l.Reconfigure(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	if st := stats(t, l); st.MaxKeys != 2000 {
		t.Fatalf("Stats after Reconfigure: MaxKeys %d, want 2000", st.MaxKeys)
	}
	// 64 keys land in every shard but with probability 4×(3/4)^64 < 10^-7.
	for i := range 64 {
		if err := l.Allow(context.Background(), "k"+strconv.Itoa(i), "1/minute"); err != nil {
			t.Fatal(err)
		}
	}
	if n := started(); n != 3 {
		t.Fatalf("%d extra shards started after 64 keys, want 3", n)
	}
	for i := 1; i < 4; i++ {
		c, _ := sup.Lookup(ratelimit.ShardKind, "idle/"+strconv.Itoa(i))
		if c.Config != next {
			t.Fatalf("shard %d started with %+v, want the config in force %+v", i, c.Config, next)
		}
	}
	if st := stats(t, l); st.ActiveKeys != 64 || st.MaxKeys != 2000 || st.Accepted != 64 {
		t.Fatalf("Stats after 64 keys: got %+v", st)
	}
	if n := clock.Timers(); n != 4 {
		t.Fatalf("%d timers armed with keys in every shard, want 4 (a sweep each)", n)
	}
}

// A shard arms its sweep timer with its first key and leaves it at rest
// once a sweep has emptied it: an idle limiter is never woken.
func TestSweepTimerOnlyWhileKeysLive(t *testing.T) {
	l, clock, _ := newLimiter(t, ratelimit.Config{Shards: 1, SweepInterval: time.Second})
	if n := clock.Timers(); n != 0 {
		t.Fatalf("%d timers before the first key, want none", n)
	}
	if err := l.Allow(context.Background(), "k", "1/second"); err != nil {
		t.Fatal(err)
	}
	if n := clock.Timers(); n != 1 {
		t.Fatalf("%d timers with a key, want 1 (the sweep's)", n)
	}
	// The key is idle after 1 s and kept 1 s of grace: the sweep at 1 s
	// keeps it and re-arms, the one at 2 s (or 3 s) forgets it.
	for range 3 {
		clock.Advance(time.Second)
		_ = stats(t, l) // behind the sweep the tick posted
	}
	if st := stats(t, l); st.ActiveKeys != 0 {
		t.Fatalf("got %d keys after 3 s, want 0 (swept)", st.ActiveKeys)
	}
	if n := clock.Timers(); n != 0 {
		t.Fatalf("%d timers once the shard is empty, want none", n)
	}
	if err := l.Allow(context.Background(), "k", "1/second"); err != nil {
		t.Fatalf("the key again after its sweep: %v", err)
	}
	if n := clock.Timers(); n != 1 {
		t.Fatalf("%d timers with a key again, want 1", n)
	}
}

// Dozens of goroutines on the real clock reach shards that have not
// started, all at once, beside Stats and Reconfigures (on demand too):
// each shard starts once, every key holds one cell, and every decision is
// counted once.
func TestShardStartConcurrent(t *testing.T) {
	for _, opts := range [][]engine.Option{nil, {engine.WithOnDemandActors()}} {
		eng := enginetest.Start(t, opts...)
		cfg := ratelimit.Config{Shards: 8}
		l, err := ratelimit.New(eng, "start", cfg)
		if err != nil {
			t.Fatal(err)
		}
		const callers, keys = 32, 16
		var wg sync.WaitGroup
		var allowed atomic.Int64
		for g := range callers {
			wg.Go(func() {
				ctx := context.Background()
				for k := range keys {
					// Every caller uses every key once: one grant per key.
					if err := l.Allow(ctx, "k"+strconv.Itoa((k+g)%keys), "1/hour"); err == nil {
						allowed.Add(1)
					} else if !errors.Is(err, ratelimit.ErrLimited) {
						t.Error(err)
					}
					switch {
					case g%8 == 0:
						if _, err := l.Stats(ctx); err != nil {
							t.Error(err)
						}
					case g%8 == 1:
						next := cfg
						next.MaxKeys = 1000 + k
						if err := l.Reconfigure(ctx, next); err != nil {
							t.Error(err)
						}
					}
				}
			})
		}
		wg.Wait()
		st := stats(t, l)
		if allowed.Load() != keys || st.ActiveKeys != keys || st.Accepted != keys || st.Rejected != callers*keys-keys {
			t.Fatalf("got %d allowed, stats %+v; want %d keys each granted once of %d calls", allowed.Load(), st, keys, callers*keys)
		}
	}
}
