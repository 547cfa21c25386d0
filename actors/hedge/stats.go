package hedge

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/eventstream"
)

// Event types a Hedge publishes (only built when someone subscribes).
const (
	// EventHedgeStarted: an attempt after the first started (Attempt,
	// 2-based; MaxAttempts).
	EventHedgeStarted eventstream.Type = "hedge_started"
	// EventHedgeWon: an attempt after the first returned the call's
	// success (Attempt, MaxAttempts, Elapsed = that attempt's time).
	EventHedgeWon eventstream.Type = "hedge_won"
)

// Stats is a value copy of a Hedge's figures. Every call that returns is
// counted once: Calls = Succeeded + Failed. A call refused with
// ErrStopped is not counted.
type Stats struct {
	// Name is the Hedge's name.
	Name string
	// Calls counts calls that have returned: Succeeded those that returned
	// an attempt's success, Failed those that returned an error (an
	// attempt's, or the caller's context's; also calls whose attempt
	// panicked).
	Calls, Succeeded, Failed uint64
	// Hedges counts attempts started after a call's first, and Won the
	// calls whose success came from one of them.
	Hedges, Won uint64
	// Rejected counts hedges the budget refused: they did not start.
	Rejected uint64
}

// HedgeRate is Hedges / Calls (0 before any call).
func (s Stats) HedgeRate() float64 { return tally.Ratio(s.Hedges, s.Calls) }

// Stats returns h's figures; calls still running are not in them. It
// never blocks (ctx is not waited on) and the error is nil, or
// messages.ErrStopped, with the figures, once h's engine has stopped.
func (h *Hedge) Stats(context.Context) (Stats, error) {
	n := h.stats.Sums()
	return Stats{Name: h.name, Calls: n[cSucceeded] + n[cFailed], Succeeded: n[cSucceeded], Failed: n[cFailed],
		Hedges: n[cHedges], Won: n[cWon], Rejected: n[cRejected]}, tally.Err(h.eng)
}

// ResetStats sets h's figures back to zero. A call that returns while it
// runs may or may not be counted.
func (h *Hedge) ResetStats() { h.stats.Reset() }

// Counter indices in a Hedge's tally: how calls ended, then what their
// hedges did.
const (
	cSucceeded = iota
	cFailed
	cHedges
	cWon
	cRejected
)

func (h *Hedge) count(i int) { h.stats.Add(i, 1) }
