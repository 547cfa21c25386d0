package backpressure

import "sync/atomic"

// closedBit, set in gate.word, closes the fast path: the owner is deciding,
// backpressure is on, or callers wait.
const closedBit = 1 << 63

// gate is the fast path: pending items in one atomic word that callers
// change by compare-and-swap while the owner leaves it open. Below
// closedBit the word is the pending count; the owner sets closedBit when it
// takes a decision (an arrival that would reach the high mark, or any
// arrival while backpressure is on) and clears it when backpressure is off
// and nobody waits. While the bit is set only the owner writes the word,
// and only the owner's state.pending counts.
//
// One word holds both, so a caller's compare-and-swap fails if the owner
// closed the gate after the caller read it: there is no window between
// "the gate is open" and "pending changed" for a decision to fall into.
type gate struct {
	word atomic.Uint64 // pending, | closedBit while closed
	high uint64        // HighWaterMark; read-only
	_    [48]byte      // keep the next fields off the callers' line
}

// take adds one pending item if the gate is open and the count stays below
// the high mark; it reports whether it did. With closedBit set, w+1 is
// above any high mark, so one comparison covers both.
func (g *gate) take() bool {
	for {
		w := g.word.Load()
		if w+1 >= g.high {
			return false
		}
		if g.word.CompareAndSwap(w, w+1) {
			return true
		}
	}
}

// give takes one pending item away if the gate is open (never below zero)
// and reports whether the gate was open; when it was closed the caller
// reports the release to the owner instead.
func (g *gate) give() bool {
	for {
		w := g.word.Load()
		switch {
		case w >= closedBit:
			return false
		case w == 0:
			return true // nothing pending: a Release without an Acquire
		}
		if g.word.CompareAndSwap(w, w-1) {
			return true
		}
	}
}

// shut closes the gate (owner only) and returns the pending count it
// froze. The gate must be open.
func (g *gate) shut() int { return int(g.word.Or(closedBit)) }

// open reopens the gate with pending items (owner only; the gate must be
// closed, so no caller writes the word meanwhile).
func (g *gate) open(pending int) { g.word.Store(uint64(pending)) }

// drop takes up to n items away while the gate is open (owner only):
// releases that reached the owner after it had reopened the gate.
func (g *gate) drop(n uint64) {
	for {
		w := g.word.Load()
		if g.word.CompareAndSwap(w, w-min(n, w)) {
			return
		}
	}
}
