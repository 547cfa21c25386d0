package fallback

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Stats is a value copy of a Fallback's figures. Every call that returns
// is counted once: Calls = Succeeded + FellBack + Failed + Passed. Calls
// refused after Shutdown are not counted.
type Stats struct {
	// Name is the Fallback's name.
	Name string
	// Calls counts calls that have returned.
	Calls uint64
	// Succeeded counts calls whose primary succeeded; FellBack, calls a
	// fallback answered; Failed, calls whose fallbacks all failed (a
	// *FailedError), or whose caller's context ended while a fallback ran;
	// Passed, calls whose primary's error Config.On did not take (by
	// default ErrStopped: the error came back unchanged and no fallback
	// ran), and calls whose caller's context had ended when the primary
	// returned.
	Succeeded, FellBack, Failed, Passed uint64
}

// Counter indices in a Fallback's tally, one a way a call ends.
const (
	cSucceeded = iota
	cFellBack
	cFailed
	cPassed
)

// FallbackRate is FellBack / Calls (0 before any call).
func (s Stats) FallbackRate() float64 { return tally.Ratio(s.FellBack, s.Calls) }

// FailureRate is Failed / Calls (0 before any call).
func (s Stats) FailureRate() float64 { return tally.Ratio(s.Failed, s.Calls) }

// Stats returns f's figures; calls still running are not in them. It
// never blocks (ctx is unused: the counts are read in place) and returns a
// nil error, or messages.ErrStopped with the figures once f's engine has
// begun Shutdown.
func (f *Fallback[T]) Stats(ctx context.Context) (Stats, error) {
	n := f.stats.Sums()
	return Stats{Name: f.name, Calls: n[cSucceeded] + n[cFellBack] + n[cFailed] + n[cPassed],
		Succeeded: n[cSucceeded], FellBack: n[cFellBack], Failed: n[cFailed], Passed: n[cPassed]}, tally.Err(f.eng)
}

// ResetStats sets f's figures back to zero. A call that returns while it
// runs may or may not be counted.
func (f *Fallback[T]) ResetStats() { f.stats.Reset() }
