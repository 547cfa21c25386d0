package ratelimit

import (
	"math"
	"math/bits"
	"sync/atomic"
)

// The pure state machine. A key's whole state is one int64 word; the
// functions below are pure functions of (word, now, rate) → (word', verdict),
// with now in nanoseconds since the limiter's base time. They read no clock
// and start no goroutine, so tables of exact times test them
// (state_test.go). cell wraps the word in an atomic so that callers can
// apply a decision with one CompareAndSwap (see doc.go).

// dead marks a cell the owning actor has evicted: whoever finds it asks the
// owner for the key's live cell. No live word ever equals it.
const dead = math.MinInt64

// GCRA. The word is the theoretical arrival time (TAT): the time at which
// the key would be back to a full burst. With interval T = Period/Count and
// limit L = Count*T (= Period when Count divides it), a request at now is
// allowed iff max(TAT, now) + T - now <= L; then TAT becomes max(TAT, now)+T.
// A burst of Count is allowed at once, then one per T. Rejected requests
// change nothing.

// gcraAllowAt decides one request at now. It returns the new word, whether
// the request is allowed and, if not, how long until it would be.
func gcraAllowAt(tat, now int64, r Rate) (next int64, ok bool, retry int64) {
	t := int64(r.Interval())
	next = max(tat, now) + t
	if wait := next - now - t*r.Count; wait > 0 {
		return tat, false, wait
	}
	return next, true, 0
}

// gcraReserveAt reserves the next permit if it comes within maxWait of now
// (Wait's twin of gcraAllowAt). ok false: nothing is reserved and wait is
// how long it would have taken.
func gcraReserveAt(tat, now, maxWait int64, r Rate) (next int64, ok bool, wait int64) {
	t := int64(r.Interval())
	next = max(tat, now) + t
	wait = max(next-now-t*r.Count, 0)
	if wait > maxWait {
		return tat, false, wait
	}
	return next, true, wait
}

// gcraIdleAt is when a key whose word is tat holds nothing a fresh key would
// not: from then on it may be forgotten without resetting its limit.
func gcraIdleAt(tat int64) int64 { return tat }

// Sliding window (counter variant). Time is cut into windows of one Period;
// the word packs the window number (23 bits, modulo 2^23), the count of the
// window before it (20 bits) and the current count (20 bits). A request at
// offset f into window w is allowed iff
//
//	prev*(Period-f)/Period + curr + 1 <= Count
//
// (the previous window weighted by how much of it still overlaps the last
// Period). Rejected requests are not counted.
const (
	winBits   = 20
	winMask   = 1<<winBits - 1
	winNumMod = 1 << 23
)

func unpackWindow(word, w int64) (prev, curr, age int64) {
	sw := word >> (2 * winBits)
	age = (w - sw) & (winNumMod - 1)
	switch age {
	case 0:
		return (word >> winBits) & winMask, word & winMask, 0
	case 1:
		return word & winMask, 0, 1
	}
	return 0, 0, age
}

func packWindow(w, prev, curr int64) int64 {
	return (w&(winNumMod-1))<<(2*winBits) | prev<<winBits | curr
}

// windowAllowAt decides one request at now (now >= 0).
func windowAllowAt(word, now int64, r Rate) (next int64, ok bool, retry int64) {
	p := int64(r.Period)
	w, f := now/p, now%p
	prev, curr, _ := unpackWindow(word, w)
	if k := r.Count - curr - 1; k >= 0 {
		if prev == 0 || mulLE(prev, p-f, k, p) {
			return packWindow(w, prev, curr+1), true, 0
		}
		// Room in this window's count, but the previous window still
		// weighs too much: wait until prev*(P-f') <= k*P.
		return word, false, p - mulDiv(k, p, prev) - f
	}
	// This window is full: wait into the next one, where curr becomes the
	// previous count: curr*(P-g) <= (Count-1)*P.
	return word, false, p - f + p - mulDiv(r.Count-1, p, curr)
}

// windowIdleAt is when a key's sliding-window word weighs nothing any more:
// the start of the second window after its own. now locates the word's
// window (stored modulo 2^23).
func windowIdleAt(word, now int64, r Rate) int64 {
	p := int64(r.Period)
	w := now / p
	prev, curr, age := unpackWindow(word, w)
	if prev == 0 && curr == 0 {
		return 0
	}
	return (w - age + 2) * p
}

// mulLE reports whether a*b <= c*d for non-negative operands, without
// overflow.
func mulLE(a, b, c, d int64) bool {
	h1, l1 := bits.Mul64(uint64(a), uint64(b))
	h2, l2 := bits.Mul64(uint64(c), uint64(d))
	return h1 < h2 || h1 == h2 && l1 <= l2
}

// mulDiv returns floor(a*b/c) for non-negative a, b and c > a.
func mulDiv(a, b, c int64) int64 {
	h, l := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(h, l, uint64(c))
	return int64(q)
}

// cell is one (key, rate)'s state. The owning shard actor creates it,
// publishes it in its table and evicts it (a CompareAndSwap to dead, only
// when it is idle); callers apply decisions to word with CompareAndSwap.
//
// Decisions are counted on the Limiter (striped by key hash), not on the
// cell: a cell can be evicted the moment after a caller decided on it, and
// a count kept on it could then be lost.
type cell struct {
	word atomic.Int64
	hash uint64
	key  string
	rate Rate
}

// allowAt applies one decision. dead true: the cell was evicted; ask the
// owner for the live one.
func (c *cell) allowAt(alg Algorithm, now int64) (ok bool, retry int64, isDead bool) {
	for {
		old := c.word.Load()
		if old == dead {
			return false, 0, true
		}
		var next int64
		if alg == SlidingWindow {
			next, ok, retry = windowAllowAt(old, now, c.rate)
		} else {
			next, ok, retry = gcraAllowAt(old, now, c.rate)
		}
		if !ok {
			return false, retry, false
		}
		if c.word.CompareAndSwap(old, next) {
			return true, 0, false
		}
	}
}

// reserveAt is allowAt for Wait under GCRA.
func (c *cell) reserveAt(now, maxWait int64) (ok bool, wait int64, isDead bool) {
	for {
		old := c.word.Load()
		if old == dead {
			return false, 0, true
		}
		next, ok, wait := gcraReserveAt(old, now, maxWait, c.rate)
		if !ok || c.word.CompareAndSwap(old, next) {
			return ok, wait, false
		}
	}
}

// unreserve gives back a reservation that will not be used (its Wait was
// cancelled): one interval comes off the TAT. The key is not idle while a
// reservation is pending, so the cell cannot have been evicted.
func (c *cell) unreserve() {
	t := int64(c.rate.Interval())
	for {
		old := c.word.Load()
		if old == dead || c.word.CompareAndSwap(old, old-t) {
			return
		}
	}
}

// idleAt is when the cell's word old holds nothing a fresh cell would not
// (it may be forgotten from then on without resetting the key's limit).
func (c *cell) idleAt(alg Algorithm, old, now int64) int64 {
	if alg == SlidingWindow {
		return windowIdleAt(old, now, c.rate)
	}
	return gcraIdleAt(old)
}
