package backpressure

import "sync/atomic"

// closedBit, set in valve.word, closes the fast path: the owner is deciding,
// backpressure is on, or callers wait.
const closedBit = 1 << 63

// valve is the fast path: pending items in one atomic word that callers
// change by compare-and-swap while the owner leaves it open. Below
// closedBit the word is the pending count; the owner sets closedBit when it
// takes a decision (an arrival that would reach the high mark, or any
// arrival while backpressure is on) and clears it when backpressure is off
// and nobody waits. While the bit is set only the owner writes the word,
// and only the owner's state.pending counts.
//
// One word holds both, so a caller's compare-and-swap fails if the owner
// closed the valve after the caller read it: there is no window between
// "the valve is open" and "pending changed" for a decision to fall into.
type valve struct {
	word atomic.Uint64 // pending, | closedBit while closed
	high atomic.Uint64 // HighWaterMark; the owner changes it only while the valve is closed
	_    [48]byte      // keep the next fields off the callers' line
}

// take adds one pending item if the valve is open and the count stays below
// the high mark; it reports whether it did. With closedBit set, w+1 is
// above any high mark, so one comparison covers both.
func (v *valve) take() bool {
	for {
		w := v.word.Load()
		if w+1 >= v.high.Load() {
			return false
		}
		if v.word.CompareAndSwap(w, w+1) {
			return true
		}
	}
}

// give takes one pending item away if the valve is open (never below zero)
// and reports whether the valve was open; when it was closed the caller
// reports the release to the owner instead.
func (v *valve) give() bool {
	for {
		w := v.word.Load()
		switch {
		case w >= closedBit:
			return false
		case w == 0:
			return true // nothing pending: a Release without an Acquire
		}
		if v.word.CompareAndSwap(w, w-1) {
			return true
		}
	}
}

// shut closes the valve (owner only) and returns the pending count it
// froze. The valve must be open.
func (v *valve) shut() int { return int(v.word.Or(closedBit)) }

// open reopens the valve with pending items (owner only; the valve must be
// closed, so no caller writes the word meanwhile).
func (v *valve) open(pending int) { v.word.Store(uint64(pending)) }

// drop takes up to n items away while the valve is open (owner only):
// releases that reached the owner after it had reopened the valve.
func (v *valve) drop(n uint64) {
	for {
		w := v.word.Load()
		if v.word.CompareAndSwap(w, w-min(n, w)) {
			return
		}
	}
}
