package redis

import (
	"sync"
	"sync/atomic"
)

// tokenCache holds, per key (its Redis key base), the permits a decision
// took ahead under Config.LocalBatch, until they are used or expire. It is
// safe for concurrent use; its zero value is empty. Expired entries are
// dropped when found and by a sweep every sweepEvery insertions, so it
// holds at most the keys used within LocalHold plus sweepEvery.
type tokenCache struct {
	m    sync.Map // string → *tokens
	puts atomic.Uint64
}

// tokens is one key's permits: left of them remain until the monotonic
// time until (ns since the limiter's birth).
type tokens struct {
	left  atomic.Int64
	until int64
}

// sweepEvery is how many insertions pass between sweeps of the cache.
const sweepEvery = 4096

// take uses one cached permit of key at now, if one is left and fresh.
func (c *tokenCache) take(key string, now int64) bool {
	v, ok := c.m.Load(key)
	if !ok {
		return false
	}
	t := v.(*tokens)
	if now >= t.until {
		c.m.CompareAndDelete(key, t)
		return false
	}
	for {
		n := t.left.Load()
		if n <= 0 {
			return false
		}
		if t.left.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// put caches n more permits of key at now, to be used before until. A
// fresh entry keeps its earlier expiry (permits may expire early, never
// late: each is used within LocalHold of its grant).
func (c *tokenCache) put(key string, n, now, until int64) {
	if v, ok := c.m.Load(key); ok && now < v.(*tokens).until {
		v.(*tokens).left.Add(n)
		return
	}
	t := &tokens{until: until}
	t.left.Store(n)
	c.m.Store(key, t)
	if c.puts.Add(1)%sweepEvery == 0 {
		c.m.Range(func(k, v any) bool {
			if now >= v.(*tokens).until {
				c.m.CompareAndDelete(k, v)
			}
			return true
		})
	}
}
