package circuitbreaker

import "time"

// Stats is a value copy of a breaker's metrics (the original's
// get_metrics, plus rejections, the window and the mode).
//
// Total = Succeeded + Failed + Rejected. Calls whose outcome was neutral
// (Ignored) are counted apart and not in Total.
type Stats struct {
	// Name is the breaker's name.
	Name string
	// State and Mode are where the circuit is.
	State State
	Mode  Mode
	// Generation increases with every change of state or mode.
	Generation uint64
	// Total counts the calls decided: successes, failures and rejections.
	Total uint64
	// Succeeded and Failed count the calls that reported; Failed includes
	// half-open trials whose lease ran out.
	Succeeded, Failed uint64
	// Rejected counts the calls the breaker refused.
	Rejected uint64
	// Ignored counts the calls whose outcome was neutral.
	Ignored uint64
	// Misused counts Releases that no permit stood behind: a permit
	// released a second time, the zero Permit, a permit of another
	// breaker. They free nothing and count nothing else.
	Misused uint64
	// Slow counts the calls at or above SlowCallDuration.
	Slow uint64
	// ConsecutiveFailures and ConsecutiveSuccesses are the current runs.
	ConsecutiveFailures, ConsecutiveSuccesses int
	// FailureRate is Failed / (Succeeded + Failed), 0 when none.
	FailureRate float64
	// WindowCalls, WindowFailureRate and WindowSlowCallRate (rates in [0, 1])
	// describe the sliding window (kept only when a rate threshold is set).
	WindowCalls                           int
	WindowFailureRate, WindowSlowCallRate float64
	// HalfOpenInFlight is how many trial calls hold a lease.
	HalfOpenInFlight int
	// OpenRemaining is how long an OPEN circuit stays open.
	OpenRemaining time.Duration
	// LastStateChange is when the state last changed (the breaker's
	// creation at first); LastFailure when a failure was last counted.
	LastStateChange, LastFailure time.Time
}
