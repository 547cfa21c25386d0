package redis

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// tokenCache holds, per key (its Redis key base), the permits a decision
// took ahead under Config.LocalBatch, until they are used or their hold
// ends; then the limiter gives the unused ones back (Limiter.returnUnused). It
// is safe for concurrent use; its zero value is empty. An entry leaves it
// when its hold ends, so it holds the keys used within LocalHold.
type tokenCache struct {
	m sync.Map // string → *tokens
}

// tokens is one batch of a key's permits: left of them remain until the
// time until. after is the key's TAT the grant left and granted how many
// permits it took: at most that many go back, from the end of the grant.
type tokens struct {
	left    atomic.Int64
	until   time.Time
	after   string
	granted int64
}

// closed is what a batch's left becomes once its hold ended: no take
// succeeds after that, and what was left is the count given back.
const closed = math.MinInt64 / 2

// take uses one cached permit of key at now, if one is left and fresh.
func (c *tokenCache) take(key string, now time.Time) bool {
	v, ok := c.m.Load(key)
	if !ok {
		return false
	}
	t := v.(*tokens)
	if !now.Before(t.until) {
		return false // its hold ended: its timer gives it back
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

// put caches n more permits of key, granted with the TAT after, to be
// used before until. Permits left in a fresh batch of the key take them
// too, keeping its earlier hold (a permit may be dropped early, never used
// late); otherwise they make a new batch, which put returns for the caller
// to end at until (nil when they joined a batch).
func (c *tokenCache) put(key string, n int64, now, until time.Time, after string) *tokens {
	if v, ok := c.m.Load(key); ok {
		if t := v.(*tokens); now.Before(t.until) {
			for {
				left := t.left.Load()
				if left <= 0 {
					break // used up or ended: a new batch replaces it
				}
				if t.left.CompareAndSwap(left, left+n) {
					return nil
				}
			}
		}
	}
	t := &tokens{until: until, after: after, granted: n}
	t.left.Store(n)
	c.m.Store(key, t)
	return t
}

// end closes batch t of key and returns how many of its permits were not
// used (0 if none).
func (c *tokenCache) end(key string, t *tokens) int64 {
	c.m.CompareAndDelete(key, t)
	return max(t.left.Swap(closed), 0)
}
