package ratelimit

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The pure state machine. A key's whole state is one int64 word; the
// functions below are pure functions of (word, now, rate) → (word', verdict),
// with now in nanoseconds since the limiter's base time. They read no clock
// and start no goroutine, so tables of exact times test them
// (state_test.go). cell wraps the word in an atomic so that callers can
// apply a decision with one CompareAndSwap.

// dead marks a cell the owning actor has evicted: whoever finds it asks the
// owner for the key's live cell. No live word ever equals it.
const dead = math.MinInt64

// never is a wait that no request can make: the answer of the functions
// below when granting would carry a word past the int64 range.
const never = math.MaxInt64

// GCRA. The word is the theoretical arrival time (TAT): the time at which
// the key would be back to a full burst. With interval T = Period/Count and
// limit L = Count*T = Period, a request at now is allowed iff
// max(TAT, now) + T - now <= L; then TAT becomes max(TAT, now) + T. A burst
// of Count is allowed at once, then one per T. Rejected requests change
// nothing.
//
// T is rarely a whole number of nanoseconds (1s/3, 10ns/6), and rounding it
// either way changes the rate. So the word counts in units of Period/m ns,
// chosen so that T and L are whole numbers of units (see gcra): decisions
// are exact for every rate of at most one event per nanosecond. The one
// rounding is of a caller's clock reading to a whole unit when TAT lies
// behind it (the key has its full burst); it is rounded up, so a key may
// lose less than 2 ns of credit there and never gains any. The word stays
// in [0, MaxInt64] (it never reaches the eviction marker): a request whose
// TAT would overflow is refused (never).

// gcra is a rate in the units a GCRA word counts: a unit is p/m ns, T is
// t units and L is m units. t is Period/Count rounded down and m = Count*t
// <= Period, so a unit is between 1 and 2 ns (exactly 1 when Count divides
// Period: then words are nanoseconds and the arithmetic needs no 128-bit
// products) and a word in units never exceeds the time in nanoseconds it
// stands for.
type gcra struct{ p, t, m int64 }

// newGCRA returns r's units (r valid: 1 <= Count <= Period).
func newGCRA(r Rate) gcra {
	p := int64(r.Period)
	t := p / r.Count
	return gcra{p: p, t: t, m: r.Count * t}
}

// gcraAt decides one request at now (ns, >= 0) against the word tat: the
// word if the request is granted, and how long from now until it may go (0:
// at once; never: it cannot be granted).
func gcraAt(tat, now int64, g gcra) (next, wait int64) {
	if g.m == g.p {
		return gcraNsAt(tat, now, g)
	}
	nh, nl := bits.Mul64(uint64(now), uint64(g.m)) // now in units, times p
	th, tl := bits.Mul64(uint64(tat), uint64(g.p))
	if th < nh || th == nh && tl < nl {
		// TAT is behind now: it restarts at now, rounded up to a unit
		// (q <= now: now*m/p < 2^63, so nh < p).
		q, rem := bits.Div64(nh, nl, uint64(g.p))
		if rem != 0 {
			q++
		}
		if int64(q) > math.MaxInt64-g.t {
			return tat, never
		}
		return int64(q) + g.t, 0
	}
	if tat > math.MaxInt64-g.t {
		return tat, never
	}
	next = tat + g.t
	d := next - g.m // the request may go once now*m >= d*p
	if d <= 0 {
		return next, 0
	}
	dh, dl := bits.Mul64(uint64(d), uint64(g.p))
	if dh < nh || dh == nh && dl <= nl {
		return next, 0
	}
	at, ok := ceilDiv(dh, dl, g.m)
	if !ok {
		return tat, never
	}
	return next, at - now
}

// gcraNsAt is gcraAt when units are nanoseconds (g.m == g.p, Count
// divides Period): small enough to inline on the hot path.
func gcraNsAt(tat, now int64, g gcra) (next, wait int64) {
	tat = max(tat, now)
	if tat > math.MaxInt64-g.t {
		return tat, never
	}
	next = tat + g.t
	return next, max(next-g.m-now, 0)
}

// ceilDiv returns ceil((hi<<64 | lo) / m), and false if it exceeds MaxInt64.
func ceilDiv(hi, lo uint64, m int64) (int64, bool) {
	if hi >= uint64(m) {
		return 0, false
	}
	q, rem := bits.Div64(hi, lo, uint64(m))
	if rem != 0 {
		q++
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}

// gcraAllowAt decides one request at now. It returns the new word, whether
// the request is allowed and, if not, how long until it would be.
func gcraAllowAt(tat, now int64, g gcra) (next int64, ok bool, retry int64) {
	next, wait := gcraAt(tat, now, g)
	if wait != 0 {
		return tat, false, wait
	}
	return next, true, 0
}

// gcraReserveAt reserves the next permit if it comes within maxWait of now
// (Wait's twin of gcraAllowAt). ok false: nothing is reserved and wait is
// how long it would have taken.
func gcraReserveAt(tat, now, maxWait int64, g gcra) (next int64, ok bool, wait int64) {
	next, wait = gcraAt(tat, now, g)
	if wait > maxWait || wait == never {
		return tat, false, wait
	}
	return next, true, wait
}

// gcraIdleAt is when (ns) a key whose word is tat holds nothing a fresh key
// would not: from then on it may be forgotten without resetting its limit.
func gcraIdleAt(tat int64, g gcra) int64 {
	h, l := bits.Mul64(uint64(tat), uint64(g.p))
	at, ok := ceilDiv(h, l, g.m)
	if !ok {
		return math.MaxInt64
	}
	return at
}

// Sliding window (counter variant). Time is cut into windows of one Period;
// the word packs the window number, the count of the window before it and
// the current count. A request at offset f into window w is allowed iff
//
//	prev*(Period-f)/Period + curr + 1 <= Count
//
// (the previous window weighted by how much of it still overlaps the last
// Period). Rejected requests are not counted.
//
// Each count takes b = bits.Len(Count) bits, and the window number the
// other 63-2b, modulo 2^(63-2b). A window number is compared with the
// caller's as a signed difference: the word's window may lie ahead of a
// caller whose clock reading is stale (it read the clock, was descheduled,
// and another caller moved the word on). Such a caller is decided as at the
// start of the word's window, never as in a new one. The difference is
// unambiguous while a word is less than 2^(62-2b) windows old: windowFits
// refuses a rate for which that is less than minWindowSpan, and the sweep
// forgets every idle word long before (Config.SweepInterval is at most
// LargestSweepInterval).

// minWindowSpan is how long a sliding-window word may stay untouched
// before its window number could be misread.
const minWindowSpan = 30 * 24 * time.Hour

// windowBits is how many bits each of a word's two counts takes under r.
func windowBits(r Rate) uint { return uint(bits.Len64(uint64(r.Count))) }

// unpackWindow reads word at window w: the previous and current counts as
// seen from w and the word's age in windows (negative: the word is ahead
// of w, whose counts are then the word's own).
func unpackWindow(word, w int64, b uint) (prev, curr, age int64) {
	k := 63 - 2*b
	mask := int64(1)<<b - 1
	sw := word >> (2 * b)
	age = (w - sw) & (1<<k - 1)
	if age >= 1<<(k-1) {
		age -= 1 << k
	}
	switch {
	case age <= 0:
		return (word >> b) & mask, word & mask, age
	case age == 1:
		return word & mask, 0, 1
	}
	return 0, 0, age
}

func packWindow(w, prev, curr int64, b uint) int64 {
	k := 63 - 2*b
	return (w&(1<<k-1))<<(2*b) | prev<<b | curr
}

// windowAllowAt decides one request at now (now >= 0).
func windowAllowAt(word, now int64, r Rate) (next int64, ok bool, retry int64) {
	p, b := int64(r.Period), windowBits(r)
	w, f := now/p, now%p
	prev, curr, age := unpackWindow(word, w, b)
	lag := int64(0)
	if age < 0 { // a stale reading: decide at the start of the word's window
		w -= age
		lag, f = w*p-now, 0
	}
	if k := r.Count - curr - 1; k >= 0 {
		if prev == 0 || mulLE(prev, p-f, k, p) {
			return packWindow(w, prev, curr+1, b), true, 0
		}
		// Room in this window's count, but the previous window still
		// weighs too much: wait until prev*(P-f') <= k*P.
		return word, false, lag + p - mulDiv(k, p, prev) - f
	}
	// This window is full: wait into the next one, where curr becomes the
	// previous count: curr*(P-g) <= (Count-1)*P.
	return word, false, lag + p - f + p - mulDiv(r.Count-1, p, curr)
}

// windowIdleAt is when a key's sliding-window word weighs nothing any more:
// the start of the second window after its own. now locates the word's
// window (stored modulo 2^(63-2b)).
func windowIdleAt(word, now int64, r Rate) int64 {
	p := int64(r.Period)
	w := now / p
	prev, curr, age := unpackWindow(word, w, windowBits(r))
	if prev == 0 && curr == 0 {
		return 0
	}
	return (w - age + 2) * p
}

// windowSpanOK reports whether a word of r's stays unambiguous for
// minWindowSpan (see above).
func windowSpanOK(r Rate) bool {
	shift := 62 - 2*windowBits(r)
	p := uint64(r.Period)
	if bits.Len64(p)+int(shift) >= 63 {
		return true
	}
	return int64(p<<shift) >= int64(minWindowSpan)
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

// cell is one (key, rate)'s state. The owning shard actor creates it
// (newCell), publishes it in its table and evicts it (a CompareAndSwap to
// dead, only when it is idle); callers apply decisions to word with
// CompareAndSwap.
//
// Decisions are counted on the Limiter (striped by key hash), not on the
// cell: a cell can be evicted the moment after a caller decided on it, and
// a count kept on it could then be lost.
type cell struct {
	word   atomic.Int64
	hash   uint64
	key    string
	rate   Rate
	gt, gm int64 // the rate's GCRA units (gcra's t and m); 0 under SlidingWindow
}

// newCell makes the cell of (key, r) under alg, which the cell keeps: a
// word is only ever read by the algorithm that wrote it.
func newCell(h uint64, key string, r Rate, alg Algorithm) *cell {
	c := &cell{hash: h, key: key, rate: r}
	if alg == GCRA {
		g := newGCRA(r)
		c.gt, c.gm = g.t, g.m
	}
	return c
}

// window reports whether c is a sliding-window cell (a GCRA cell's m is at
// least 1).
func (c *cell) window() bool { return c.gm == 0 }

func (c *cell) gcra() gcra { return gcra{p: int64(c.rate.Period), t: c.gt, m: c.gm} }

// allowAt applies one decision under the cell's algorithm. dead true: the
// cell was evicted; ask the owner for the live one.
func (c *cell) allowAt(now int64) (ok bool, retry int64, isDead bool) {
	for {
		old := c.word.Load()
		if old == dead {
			return false, 0, true
		}
		var next int64
		switch g := c.gcra(); {
		case g.m == g.p: // the common case, inlined
			next, retry = gcraNsAt(old, now, g)
			ok = retry == 0
		case g.m == 0:
			next, ok, retry = windowAllowAt(old, now, c.rate)
		default:
			next, retry = gcraAt(old, now, g)
			ok = retry == 0
		}
		if !ok {
			return false, retry, false
		}
		if c.word.CompareAndSwap(old, next) {
			return true, 0, false
		}
	}
}

// reservation is a permit reserved by reserveAt: the word it left.
type reservation int64

// reserveAt is allowAt for Wait under GCRA.
func (c *cell) reserveAt(now, maxWait int64) (res reservation, ok bool, wait int64, isDead bool) {
	g := c.gcra()
	for {
		old := c.word.Load()
		if old == dead {
			return 0, false, 0, true
		}
		next, ok, wait := gcraReserveAt(old, now, maxWait, g)
		if !ok || c.word.CompareAndSwap(old, next) {
			return reservation(next), ok, wait, false
		}
	}
}

// unreserve gives back a reservation that will not be used (its Wait was
// cancelled), as x/time/rate's Reservation.Cancel does: only what no later
// decision depends on. If the word is still the one res left, nothing was
// booked behind it and its interval comes off; otherwise later permits were
// granted counting on it and nothing is given back. (While res is pending
// the word never goes below res except by this call, and every later grant
// moves it above res, so the word equals res exactly when none was made.)
func (c *cell) unreserve(res reservation) {
	c.word.CompareAndSwap(int64(res), int64(res)-c.gt)
}

// idleAt is when the cell's word old holds nothing a fresh cell would not
// (it may be forgotten from then on without resetting the key's limit).
func (c *cell) idleAt(old, now int64) int64 {
	if c.window() {
		return windowIdleAt(old, now, c.rate)
	}
	return gcraIdleAt(old, c.gcra())
}
