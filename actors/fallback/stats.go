package fallback

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/messages"
)

// Stats is a value copy of a Fallback's figures. Every call that returns
// is counted once: Calls = Succeeded + FellBack + Failed + Passed.
type Stats struct {
	// Name is the Fallback's name.
	Name string
	// Calls counts calls that have returned.
	Calls uint64
	// Succeeded counts calls whose primary succeeded.
	Succeeded uint64
	// FellBack counts calls a fallback answered.
	FellBack uint64
	// Failed counts calls whose fallbacks all failed (a *FailedError), or
	// whose caller's context ended while a fallback ran.
	Failed uint64
	// Passed counts calls whose primary's error Config.On did not take
	// (by default ErrStopped): the error came back unchanged and no
	// fallback ran; and calls whose caller's context had ended when the primary
	// returned. Calls refused after Shutdown are not counted.
	Passed uint64
}

// FallbackRate is FellBack / Calls (0 before any call).
func (s Stats) FallbackRate() float64 { return tally.Ratio(s.FellBack, s.Calls) }

// FailureRate is Failed / Calls (0 before any call).
func (s Stats) FailureRate() float64 { return tally.Ratio(s.Failed, s.Calls) }

// Counter indices in a Fallback's tally.
const (
	cSucceeded = iota
	cFellBack
	cFailed
	cPassed
)

// Stats returns f's figures; calls still running are not in them. It
// never blocks (ctx is unused: the counts are read in place) and returns a
// nil error, or messages.ErrStopped with the figures once f's engine has
// begun Shutdown.
func (f *Fallback[T]) Stats(ctx context.Context) (Stats, error) {
	n := f.stats.Sums()
	st := Stats{Name: f.name, Calls: n[cSucceeded] + n[cFellBack] + n[cFailed] + n[cPassed],
		Succeeded: n[cSucceeded], FellBack: n[cFellBack], Failed: n[cFailed], Passed: n[cPassed]}
	if f.eng.Stopped() {
		return st, messages.ErrStopped
	}
	return st, nil
}

// ResetStats sets f's figures back to zero. A call that returns while it
// runs may or may not be counted.
func (f *Fallback[T]) ResetStats() { f.stats.Reset() }
