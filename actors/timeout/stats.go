package timeout

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Stats is a value copy of a Timeout's or a Deadline's figures. Every
// call that returns is counted once, as a success or a failure: Calls =
// Succeeded + Failed. A call whose function panics does not return, and is
// not counted; nor is a call refused with ErrStopped after Shutdown.
type Stats struct {
	// Name is the Timeout's or Deadline's name.
	Name string
	// Calls counts calls that have returned: Succeeded those whose
	// function returned a nil error in time, Failed those that ended in
	// failure: that timed out (TimedOut), whose function returned its own
	// error (also a context.DeadlineExceeded that is not our limit), or
	// whose caller's context ended first (whatever the function returned).
	Calls, Succeeded, Failed uint64
	// TimedOut counts the failed calls that returned a
	// *messages.TimeoutError: the limit fired (the function stopped, or was
	// abandoned), or the deadline had already passed. TimedOut <= Failed,
	// and Failed - TimedOut counts the other failures.
	TimedOut uint64
	// TotalTime is the calls' elapsed time added up, on the engine's clock.
	TotalTime time.Duration
}

// AverageTime is TotalTime / Calls (0 before any call).
func (s Stats) AverageTime() time.Duration {
	if s.Calls == 0 {
		return 0
	}
	return s.TotalTime / time.Duration(s.Calls)
}

// TimeoutRate is TimedOut / Calls (0 before any call).
func (s Stats) TimeoutRate() float64 { return tally.Ratio(s.TimedOut, s.Calls) }

// Stats returns t's figures; calls still running are not in them. It
// never blocks (ctx is unused: the counts are read in place) and returns a
// nil error, or messages.ErrStopped with the figures once t's engine has
// begun Shutdown.
func (t *Timeout) Stats(ctx context.Context) (Stats, error) { return t.l.read() }

// ResetStats sets t's figures back to zero. A call that returns while it
// runs may or may not be counted.
func (t *Timeout) ResetStats() { t.l.stats.Reset() }

// Stats returns d's figures, as Timeout.Stats.
func (d *Deadline) Stats(ctx context.Context) (Stats, error) { return d.l.read() }

// ResetStats sets d's figures back to zero, as Timeout.ResetStats.
func (d *Deadline) ResetStats() { d.l.stats.Reset() }

// Counter indices in a limiter's tally: how a call ended (cFailed counts
// the failures other than timeouts), and the calls' time.
const (
	cSucceeded = iota
	cTimedOut
	cFailed
	cTime
)

// count records one call that ended as end (cSucceeded, cTimedOut or
// cFailed) after elapsed.
func (l *limiter) count(end int, elapsed time.Duration) {
	line := l.stats.Pick()
	line.Add(end, 1)
	if elapsed > 0 {
		line.Add(cTime, uint64(elapsed))
	}
	l.stats.Put(line)
}

func (l *limiter) read() (Stats, error) {
	n := l.stats.Sums()
	failed := n[cTimedOut] + n[cFailed]
	return Stats{Name: l.name, Calls: n[cSucceeded] + failed, Succeeded: n[cSucceeded], Failed: failed,
		TimedOut: n[cTimedOut], TotalTime: time.Duration(n[cTime])}, tally.Err(l.eng)
}
