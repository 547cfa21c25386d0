package circuitbreaker

import "time"

// window counts calls, failures and slow calls over the last N calls or the
// last span of time. It is part of the pure state machine: time comes in as
// an argument.
//
// Outcomes may reach it out of order. A count-based window places each at
// its position in the sequence of calls (after the successes its report
// says came before it), a time-based window in the bucket of the time the
// call ended, whenever the window learns of it.
//
// Its ring or its buckets are allocated when the first outcome arrives, so
// a breaker nobody calls holds none.
type window struct {
	timed bool
	// count-based: a ring of size outcomes (nil until the first), oldest
	// at next once full.
	ring []uint8
	size int
	next int
	full bool
	// time-based: a ring of nb buckets (nil until the first outcome), each
	// width wide.
	buckets []bucket
	nb      int
	width   time.Duration
	base    time.Time
	last    int64 // epoch of the last advance

	calls, fails, slows int
}

const (
	markFail uint8 = 1 << iota
	markSlow
)

func mark(fail, slow bool) uint8 {
	var m uint8
	if fail {
		m |= markFail
	}
	if slow {
		m |= markSlow
	}
	return m
}

type bucket struct {
	epoch               int64 // index of the bucket since base
	calls, fails, slows int
}

func newWindow(c Config, now time.Time) window {
	if c.WindowType == TimeBased {
		return window{
			timed: true,
			nb:    c.WindowBuckets,
			width: c.WindowDuration / time.Duration(c.WindowBuckets),
			base:  now,
		}
	}
	return window{size: c.WindowSize}
}

// ensureRing allocates the count-based ring.
func (w *window) ensureRing() {
	if w.ring == nil {
		w.ring = make([]uint8, w.size)
	}
}

// ensureBuckets allocates the time-based buckets, each labelled with the
// epoch advanceTo would have given it.
func (w *window) ensureBuckets() {
	if w.buckets != nil {
		return
	}
	w.buckets = make([]bucket, w.nb)
	n := int64(w.nb)
	for i := range w.buckets {
		r := (w.last - int64(i)) % n
		if r < 0 {
			r += n
		}
		w.buckets[i].epoch = w.last - r
	}
}

// count adds (sign 1) or removes (sign -1) one outcome from the totals.
func (w *window) count(m uint8, sign int) {
	w.calls += sign
	w.fails += sign * int(m&markFail)
	w.slows += sign * int(m&markSlow>>1)
}

// place adds one call's outcome: in a count-based window after the back-th
// newest success (back 0: at the end), in a time-based one in the bucket of
// at. An outcome older than everything the window holds is left out.
func (w *window) place(m uint8, back uint64, at time.Time) {
	if w.timed {
		if b := w.bucketOf(w.epoch(at)); b != nil {
			b.calls++
			b.fails += int(m & markFail)
			b.slows += int(m & markSlow >> 1)
			w.count(m, 1)
		}
		return
	}
	d, ok := w.behind(back)
	if !ok || (w.full && d == w.size) {
		return
	}
	w.push(m)
	for k := 0; k < d; k++ { // move it back before the d newest
		i, j := w.newest(k), w.newest(k+1)
		w.ring[i], w.ring[j] = w.ring[j], w.ring[i]
	}
}

// push appends m at the newest end of the ring, dropping the oldest once
// full.
func (w *window) push(m uint8) {
	w.ensureRing()
	if w.full {
		w.count(w.ring[w.next], -1)
	}
	w.ring[w.next] = m
	w.count(m, 1)
	w.next++
	if w.next == w.size {
		w.next, w.full = 0, true
	}
}

// held is how many outcomes the ring holds.
func (w *window) held() int {
	if w.full {
		return w.size
	}
	return w.next
}

// newest is the ring index of the k-th newest outcome (0: the newest).
func (w *window) newest(k int) int {
	i := w.next - 1 - k
	if i < 0 {
		i += w.size
	}
	return i
}

// behind returns how many of the newest outcomes stand after the position
// that follows the back-th newest success, and false when the ring holds
// fewer successes than that.
func (w *window) behind(back uint64) (int, bool) {
	d, h := 0, w.held()
	for passed := uint64(0); passed < back; d++ {
		if d == h {
			return 0, false
		}
		if w.ring[w.newest(d)]&markFail == 0 {
			passed++
		}
	}
	return d, true
}

// recordSuccesses adds n successes, none slow: at the end of a count-based
// window, in the bucket of epoch e of a time-based one.
func (w *window) recordSuccesses(n uint64, e int64) {
	if n == 0 {
		return
	}
	if w.timed {
		if b := w.bucketOf(e); b != nil {
			b.calls += int(n)
			w.calls += int(n)
		}
		return
	}
	w.ensureRing()
	size := uint64(w.size)
	if n >= size { // the ring holds only these successes
		clear(w.ring)
		w.next = int((uint64(w.next) + n) % size)
		w.full = true
		w.calls, w.fails, w.slows = int(size), 0, 0
		return
	}
	for ; n > 0; n-- {
		w.push(0)
	}
}

// collectEvery is the shortest time between two collections at bucket
// boundaries: buckets narrower than it get them every few boundaries.
const collectEvery = time.Millisecond

// nextCollect is when the timer collects next: the first bucket boundary
// at least collectEvery after the bucket the window last moved to began
// (zero for a count-based window).
func (w *window) nextCollect() time.Time {
	if !w.timed {
		return time.Time{}
	}
	k := max(1, int64((collectEvery+w.width-1)/w.width))
	return w.base.Add(time.Duration(w.last+k) * w.width)
}

// bucketOf returns the bucket of epoch e, after moving the window to e if
// e is past it; nil when e has left the window.
func (w *window) bucketOf(e int64) *bucket {
	w.advanceTo(e)
	n := int64(w.nb)
	if e <= w.last-n || e < 0 {
		return nil
	}
	w.ensureBuckets()
	return &w.buckets[e%n]
}

// epoch is the index of the bucket of t (-1 before the window began).
func (w *window) epoch(t time.Time) int64 {
	return epochOf(t, w.base, w.width)
}

func epochOf(t, base time.Time, width time.Duration) int64 {
	d := t.Sub(base)
	if d < 0 {
		return -1
	}
	return int64(d / width)
}

// advance drops the buckets older than the window at now (time-based only).
func (w *window) advance(now time.Time) {
	if w.timed {
		w.advanceTo(w.epoch(now))
	}
}

// advanceTo moves the window forward to epoch e (never back). Bucket i
// holds the latest epoch e' <= e with e' mod n == i; any other epoch it
// holds has left the window.
func (w *window) advanceTo(e int64) {
	if e <= w.last {
		return
	}
	w.last = e
	n := int64(w.nb)
	for i := range w.buckets {
		r := (e - int64(i)) % n
		if r < 0 {
			r += n
		}
		b := &w.buckets[i]
		if want := e - r; b.epoch != want {
			w.calls -= b.calls
			w.fails -= b.fails
			w.slows -= b.slows
			*b = bucket{epoch: want}
		}
	}
}

// reset empties the window.
func (w *window) reset(now time.Time) {
	clear(w.ring)
	w.next, w.full = 0, false
	clear(w.buckets)
	w.base, w.last = now, 0
	w.calls, w.fails, w.slows = 0, 0, 0
}

// rates returns the failure and slow-call rates (in [0, 1]), and whether the
// window holds at least min calls.
func (w *window) rates(min int) (fail, slow float64, ok bool) {
	if w.calls == 0 {
		return 0, 0, false
	}
	c := float64(w.calls)
	return float64(w.fails) / c, float64(w.slows) / c, w.calls >= min
}
