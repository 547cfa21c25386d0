package coalesce

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: a random Config is a *messages.ConfigError (Validate and New
// agree) or a Group whose fields are within their documented bounds.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), 0, int64(0))
	f.Add(int64(time.Second), 100, int64(time.Millisecond))
	f.Add(int64(-1), -1, int64(-1))
	f.Add(int64(LargestTimeout+1), LargestMaxKeys+1, int64(LargestReuseFor+1))
	f.Fuzz(func(t *testing.T, timeout int64, maxKeys int, reuse int64) {
		cfg := Config{Timeout: time.Duration(timeout), MaxKeys: maxKeys, ReuseFor: time.Duration(reuse)}
		g, err := New[int](nil, "fuzz", cfg)
		if verr := cfg.Validate(); (err == nil) != (verr == nil) {
			t.Fatalf("New %v, Validate %v: they disagree", err, verr)
		}
		var ce *messages.ConfigError
		if err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			return
		}
		if c := g.Config(); c.Timeout <= 0 || c.Timeout > LargestTimeout || c.MaxKeys < 1 || c.MaxKeys > LargestMaxKeys ||
			c.ReuseFor < 0 || c.ReuseFor > LargestReuseFor {
			t.Fatalf("accepted %+v", c)
		}
	})
}

// FuzzList drives a shard list with a random sequence of starts, joins,
// ends (some keeping their result), clock steps and timer removals,
// against a model: at most one open flight per key and none while its
// kept result is fresh; find returns the open or fresh kept flight;
// closed flights are never joined; every open or fresh kept flight is
// listed.
func FuzzList(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 8, 8, 16, 1, 9, 17})
	f.Add([]byte{0, 72, 0, 12, 1, 73, 76, 5, 12, 12, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var head *node[int]
		now := time.Duration(1)
		open := map[string]*flight[int]{}
		kept := map[string]*flight[int]{}
		for _, op := range ops {
			key := string(rune('a' + op%4))
			switch (op / 4) % 4 {
			case 0, 1: // a caller: join the open flight, reuse a kept one, or start one
				want := open[key]
				if k := kept[key]; want == nil && k != nil && now < keptUntil(k) {
					want = k
				}
				if f := find(head, key, now); f != nil || want != nil {
					if f != want || (f.reusable(now) == !f.closed()) {
						t.Fatalf("key %s at %d: found %p, model %p", key, now, f, want)
					}
					continue
				}
				f := makeFlight[int](key, op&128 != 0)
				head = with(head, f, now)
				open[key] = f
			case 2: // the work for key ends, kept for 8 ticks when op has bit 64
				if f := open[key]; f != nil {
					delete(open, key)
					var o *outcome
					var keep time.Duration
					if op&64 != 0 {
						keep = now + 8
						o = &outcome{keep: keep}
						kept[key] = f
					}
					f.close(o)
					if f.reusable(now) != (keep > 0) {
						t.Fatalf("closed flight %s: reusable %v, kept until %d", key, f.reusable(now), keep)
					}
					if keep == 0 {
						head, _ = without(head, f, now)
					}
				}
			case 3: // the clock moves; an expired kept result's timer fires
				now += time.Duration(op%8) + 1
				if f := kept[key]; f != nil && now >= keptUntil(f) {
					delete(kept, key)
					head, _ = without(head, f, now)
				}
			}
			listed := map[*flight[int]]bool{}
			for l := head; l != nil; l = l.next {
				if listed[l.f] {
					t.Fatalf("flight %s listed twice", l.f.key)
				}
				listed[l.f] = true
				if l.f.closed() && keptUntil(l.f) == 0 {
					t.Fatalf("closed flight %s, not kept, still listed", l.f.key)
				}
			}
			for _, f := range open {
				if !listed[f] {
					t.Fatalf("open flight %s not listed", f.key)
				}
			}
			for _, f := range kept {
				if now < keptUntil(f) && !listed[f] {
					t.Fatalf("fresh kept flight %s not listed", f.key)
				}
			}
		}
	})
}

// keptUntil returns until when f's result is kept (0: not kept).
func keptUntil(f *flight[int]) time.Duration {
	if f.out == nil {
		return 0
	}
	return f.out.keep
}
