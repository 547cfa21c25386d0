package circuitbreaker

import "time"

// window counts calls, failures and slow calls over the last N calls or the
// last span of time. It is part of the pure state machine: time comes in as
// an argument.
type window struct {
	timed bool
	// count-based: a ring of outcomes.
	ring []uint8
	next int
	full bool
	// time-based: a ring of buckets, each width wide.
	buckets []bucket
	width   time.Duration
	base    time.Time
	last    int64 // epoch of the last advance

	calls, fails, slows int
}

const (
	markFail uint8 = 1 << iota
	markSlow
)

type bucket struct {
	epoch               int64 // index of the bucket since base
	calls, fails, slows int
}

func newWindow(c Config, now time.Time) window {
	if c.WindowType == TimeBased {
		return window{
			timed:   true,
			buckets: make([]bucket, c.WindowBuckets),
			width:   c.WindowDuration / time.Duration(c.WindowBuckets),
			base:    now,
		}
	}
	return window{ring: make([]uint8, c.WindowSize)}
}

// record adds one call's outcome at now.
func (w *window) record(fail, slow bool, now time.Time) {
	var m uint8
	if fail {
		m |= markFail
	}
	if slow {
		m |= markSlow
	}
	if w.timed {
		b := w.bucketAt(now)
		b.calls++
		b.fails += int(m & markFail)
		b.slows += int(m&markSlow) >> 1
	} else {
		if w.full {
			old := w.ring[w.next]
			w.calls--
			w.fails -= int(old & markFail)
			w.slows -= int(old&markSlow) >> 1
		}
		w.ring[w.next] = m
		w.next++
		if w.next == len(w.ring) {
			w.next, w.full = 0, true
		}
	}
	w.calls++
	w.fails += int(m & markFail)
	w.slows += int(m&markSlow) >> 1
}

// recordSuccesses adds n successes, none slow, at now.
func (w *window) recordSuccesses(n uint64, now time.Time) {
	if n == 0 {
		return
	}
	if w.timed {
		w.bucketAt(now).calls += int(n)
		w.calls += int(n)
		return
	}
	size := uint64(len(w.ring))
	if n >= size { // the ring holds only these successes
		clear(w.ring)
		w.next = int((uint64(w.next) + n) % size)
		w.full = true
		w.calls, w.fails, w.slows = int(size), 0, 0
		return
	}
	for ; n > 0; n-- {
		w.record(false, false, now)
	}
}

// collectEvery is the shortest time between two collections at bucket
// boundaries: buckets narrower than it get them every few boundaries.
const collectEvery = time.Millisecond

// collectTime is the time to record successes collected at now at: now,
// or, once now is past the bucket the window last moved to, the end of
// that bucket (the timer collects at each boundary, so the successes since
// the last collection fell, but for the timer's lateness, before it).
func (w *window) collectTime(now time.Time) time.Time {
	if !w.timed || w.epoch(now) <= w.last {
		return now
	}
	return w.boundary(1).Add(-1)
}

// nextCollect is when the timer collects next: the first bucket boundary
// at least collectEvery after the bucket the window last moved to began
// (zero for a count-based window).
func (w *window) nextCollect() time.Time {
	if !w.timed {
		return time.Time{}
	}
	return w.boundary(max(1, int64((collectEvery+w.width-1)/w.width)))
}

// boundary is the end of the k-th bucket from the one the window last
// moved to (k = 1: its own end).
func (w *window) boundary(k int64) time.Time {
	return w.base.Add(time.Duration(w.last+k) * w.width)
}

// bucketAt returns the bucket of now, after expiring every bucket that has
// left the window.
func (w *window) bucketAt(now time.Time) *bucket {
	w.advance(now)
	return &w.buckets[w.last%int64(len(w.buckets))]
}

func (w *window) epoch(now time.Time) int64 {
	d := now.Sub(w.base)
	if d < 0 {
		return 0
	}
	return int64(d / w.width)
}

// advance drops the buckets older than the window at now (time-based only).
// Bucket i holds the latest epoch e' <= e with e' mod n == i; any other
// epoch it holds has left the window.
func (w *window) advance(now time.Time) {
	if !w.timed {
		return
	}
	e := w.epoch(now)
	if e == w.last {
		return
	}
	w.last = e
	n := int64(len(w.buckets))
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

// rates returns the failure and slow-call rates in percent, and whether the
// window holds at least min calls.
func (w *window) rates(min int) (fail, slow float64, ok bool) {
	if w.calls == 0 {
		return 0, 0, false
	}
	c := float64(w.calls)
	return 100 * float64(w.fails) / c, 100 * float64(w.slows) / c, w.calls >= min
}
