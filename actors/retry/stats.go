package retry

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Stats is a value copy of a Retry's figures. Every call of Execute or
// Do is counted once, when it returns: Calls = Succeeded + Exhausted +
// NotRetried. A call refused at once after Shutdown is not counted.
type Stats struct {
	// Name is the Retry's name.
	Name string
	// Calls counts calls that have returned, and Attempts the calls of the
	// function, first attempts included.
	Calls, Attempts uint64
	// Succeeded counts calls that returned a success; one successful
	// attempt ends a call, so it is also the successful attempts.
	Succeeded uint64
	// FailedAttempts counts attempts that returned an error or a result
	// RetryIfResult rejected.
	FailedAttempts uint64
	// Exhausted counts calls that ended with an *ExhaustedError (attempts,
	// MaxDuration, the time to a deadline or the retry budget ran out);
	// NotRetried, calls that ended with an error that was not retried:
	// AbortOn or RetryOn said so, the caller's context ended (also while
	// waiting between attempts, or as an attempt succeeded), or the engine
	// began Shutdown during a wait.
	Exhausted, NotRetried uint64
	// TotalDelay is the sum of the waits between attempts, as chosen
	// (a wait cut short by the caller's context counts whole).
	TotalDelay time.Duration
	// LastError is the error of the latest failed attempt that returned
	// one, or nil.
	LastError error
}

// SuccessRate is Succeeded / Attempts (0 before any attempt).
func (s Stats) SuccessRate() float64 { return tally.Ratio(s.Succeeded, s.Attempts) }

// Stats returns the Retry's figures; calls still running are not in them.
// It never blocks (ctx is unused: the counts are read in place) and
// returns a nil error, or messages.ErrStopped with the figures once the
// Retry's engine has begun Shutdown.
func (r *Retry) Stats(ctx context.Context) (Stats, error) {
	n := r.stats.set.Sums()
	first := n[cFirstTry]
	st := Stats{Name: r.name, Calls: first + n[cCalls], Attempts: first + n[cAttempts], Succeeded: first + n[cSucceeded],
		FailedAttempts: n[cFailedAttempts], Exhausted: n[cExhausted], NotRetried: n[cNotRetried],
		TotalDelay: time.Duration(n[cDelay])}
	if b := r.stats.lastErr.Load(); b != nil {
		st.LastError = b.err
	}
	return st, tally.Err(r.eng)
}

// ResetStats sets every figure back to zero. A call that returns while it
// runs may or may not be counted.
func (r *Retry) ResetStats() {
	r.stats.set.Reset()
	r.stats.lastErr.Store(nil)
}

// Counter indices in a Retry's tally. A call that succeeds at its first
// attempt (the hot path) adds to cFirstTry alone; the other counters hold
// the other calls, and Stats adds the two.
const (
	cFirstTry = iota
	cCalls
	cAttempts
	cSucceeded
	cFailedAttempts
	cExhausted
	cNotRetried
	cDelay
)

// ending is how a call ended, for the counters.
type ending uint8

const (
	endSucceeded ending = iota
	endExhausted
	endNotRetried
)

// counters are a Retry's figures: striped counts, and the last error.
type counters struct {
	set     *tally.Set
	lastErr atomic.Pointer[errBox]
}

type errBox struct{ err error }

func newCounters() counters { return counters{set: tally.New()} }

// count records one call that made attempts attempts, waited delay in
// all, and ended as e; lastErr, when not nil, is its latest attempt error.
func (c *counters) count(e ending, attempts int, delay time.Duration, lastErr error) {
	l := c.set.Pick()
	if e == endSucceeded && attempts == 1 {
		l.Add(cFirstTry, 1)
		c.set.Put(l)
		return
	}
	failed := attempts
	l.Add(cCalls, 1)
	l.Add(cAttempts, uint64(attempts))
	switch e {
	case endSucceeded:
		l.Add(cSucceeded, 1)
		failed--
	case endExhausted:
		l.Add(cExhausted, 1)
	default:
		l.Add(cNotRetried, 1)
	}
	if failed > 0 {
		l.Add(cFailedAttempts, uint64(failed))
	}
	if delay > 0 {
		l.Add(cDelay, uint64(delay))
	}
	c.set.Put(l)
	if lastErr != nil {
		c.lastErr.Store(&errBox{lastErr})
	}
}
