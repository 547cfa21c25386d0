package backpressure

import "github.com/bulwark-go/bulwark/actors/internal/waitq"

// valve is the fast path: the gate's ledger of permits, whose held count is
// the pending count, under a Limit of HighWaterMark-1, so that a caller
// takes a permit off its P's stack of free ones, and gives it back there,
// only while the pending count stays below the high mark. The owner
// closes it (waitq.Limit.Close) when it takes a decision — an arrival that
// would reach the high mark, or any arrival while backpressure is on or
// callers wait — and opens it again when backpressure is off and nobody
// waits. While it is closed only the owner grants (waitq.Limit.Grant,
// beyond the limit when its state admits the call) and releases still
// come off the count.
//
// Every P's stack carries the closed bit in the word a caller's
// compare-and-swap takes its permit with, so that swap fails if the owner
// closed the valve after the caller read it: there is no window between
// "the valve is open" and "pending changed" for a decision to fall into.
type valve struct {
	permits *waitq.Ledger // every permit granted and not yet released
	limit   *waitq.Limit  // HighWaterMark-1 on permits: what callers may take
}

// newValve returns an open valve for a high mark of high.
func newValve(high int) valve {
	x := waitq.NewLimit(high - 1)
	return valve{permits: x.Ledger(), limit: x}
}

// take grants a permit if the valve is open and the pending count stays
// below the high mark.
func (v *valve) take() (uint64, bool) { return v.permits.TryGrant() }

// shut closes the valve (owner only) and returns the pending count, which
// from here on only the owner's grants raise.
func (v *valve) shut() int { return v.limit.Close() }

// open reopens the valve (owner only) and reports whether it did: it stays
// closed while the high mark or more is pending.
func (v *valve) open() bool { return v.limit.Open() }

// setHigh makes high the high mark (owner only, while the valve is
// closed).
func (v *valve) setHigh(high int) { v.limit.Set(high - 1) }
