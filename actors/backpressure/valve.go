package backpressure

import (
	"sync/atomic"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
)

// valve is the fast path: the gate's ledger of permits, whose held count is
// the pending count, taken by compare-and-swap of its count word and given
// back by an atomic add, while the owner leaves it open. The owner closes it (waitq.Ledger.Close)
// when it takes a decision — an arrival that would reach the high mark, or
// any arrival while backpressure is on or callers wait — and opens it again
// when backpressure is off and nobody waits. While it is closed only the
// owner grants (Grant) and releases still come off the count.
//
// One word holds the count and the closed bit, so a caller's
// compare-and-swap fails if the owner closed the valve after the caller
// read it: there is no window between "the valve is open" and "pending
// changed" for a decision to fall into.
type valve struct {
	permits *waitq.Ledger // every permit granted and not yet released
	high    atomic.Uint64 // HighWaterMark; the owner changes it only while the valve is closed
}

// take grants a permit if the valve is open and the pending count stays
// below the high mark.
func (v *valve) take() (uint64, bool) { return v.permits.TryGrantBelow(int(v.high.Load())) }

// shut closes the valve (owner only) and returns the pending count, which
// from here on only the owner's grants raise.
func (v *valve) shut() int { return v.permits.Close() }

// open reopens the valve (owner only).
func (v *valve) open() { v.permits.Open() }
