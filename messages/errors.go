package messages

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Callers test for them with errors.Is; the errors Bulwark
// returns wrap them, often inside a *RejectedError that carries detail.
var (
	// ErrCircuitOpen: a circuit breaker refused the call.
	ErrCircuitOpen = errors.New("bulwark: circuit open")
	// ErrRateLimited: a rate limiter refused the call.
	ErrRateLimited = errors.New("bulwark: rate limited")
	// ErrBulkheadFull: a bulkhead had no free slot (and no room or time to wait).
	ErrBulkheadFull = errors.New("bulwark: bulkhead full")
	// ErrShed: a load shedder dropped the call.
	ErrShed = errors.New("bulwark: load shed")
	// ErrBackpressure: a backpressure gate refused the call.
	ErrBackpressure = errors.New("bulwark: backpressure")
	// ErrLimitExceeded: an adaptive concurrency limiter was at its limit.
	ErrLimitExceeded = errors.New("bulwark: concurrency limit exceeded")
	// ErrTimeout: a Bulwark timeout or deadline fired (it also wraps
	// context.DeadlineExceeded).
	ErrTimeout = errors.New("bulwark: timeout")
	// ErrRetriesExhausted: every attempt allowed by a retry policy failed.
	ErrRetriesExhausted = errors.New("bulwark: retries exhausted")
	// ErrStopped: the actor or engine has been shut down (or has failed past
	// its restart budget); the call was not performed.
	ErrStopped = errors.New("bulwark: stopped")
	// ErrInvalidConfig: a configuration value was rejected; the error that
	// wraps it is a *ConfigError naming the field and the value.
	ErrInvalidConfig = errors.New("bulwark: invalid configuration")
)

// RejectedError says which pattern instance refused a call, why, and how long
// to wait before trying again. It unwraps to the pattern's sentinel (Err), so
// errors.Is(err, ErrCircuitOpen) and errors.As(err, &rejected) both work.
type RejectedError struct {
	// Err is the sentinel, e.g. ErrCircuitOpen.
	Err error
	// Pattern is the pattern kind, e.g. "circuitbreaker".
	Pattern string
	// Name is the instance name.
	Name string
	// Reason is a short machine-readable reason, e.g. "open", "queue_full",
	// "wait_timeout"; empty when the sentinel says it all.
	Reason string
	// RetryAfter is how long the caller should wait before trying again;
	// zero when unknown.
	RetryAfter time.Duration
}

// Error implements error.
func (e *RejectedError) Error() string {
	msg := fmt.Sprintf("%v (%s %q", e.Err, e.Pattern, e.Name)
	if e.Reason != "" {
		msg += ", reason " + e.Reason
	}
	if e.RetryAfter > 0 {
		msg += ", retry after " + e.RetryAfter.String()
	}
	return msg + ")"
}

// Unwrap returns the sentinel.
func (e *RejectedError) Unwrap() error { return e.Err }

// Reasons shared by more than one pattern or adapter
// (RejectedError.Reason). A pattern's own reasons are constants in its
// package.
const (
	// ReasonBackendUnavailable: a distributed pattern's backend (Redis)
	// failed or did not answer in time and the pattern fails closed. The
	// refusal is not the key's limit: an HTTP server answers it 503, not
	// 429.
	ReasonBackendUnavailable = "backend_unavailable"
	// ReasonBusy: the pattern could not decide in time because of local
	// overload (every connection to its backend was in use): 503, not 429.
	ReasonBusy = "busy"
	// ReasonReconfigured: a caller waiting in a queue was turned away
	// because a Reconfigure made the queue shorter than its place in it.
	ReasonReconfigured = "reconfigured"
)

// Undecided reports whether err is a refusal by a pattern that could not
// decide (ReasonBackendUnavailable or ReasonBusy) rather than one that
// decided no.
func Undecided(err error) bool {
	var r *RejectedError
	return errors.As(err, &r) && (r.Reason == ReasonBackendUnavailable || r.Reason == ReasonBusy)
}

// RetryAfter returns the wait suggested by the first *RejectedError in err's
// chain, and whether there was one.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RejectedError
	if errors.As(err, &r) {
		return r.RetryAfter, true
	}
	return 0, false
}

// TimeoutError says that a Bulwark time limit fired: a timeout's or a
// deadline's (actors/timeout), or a circuit breaker's per-call timeout. It
// wraps ErrTimeout and context.DeadlineExceeded (and Err, when set), so
// errors.Is matches either and errors.As finds the detail.
type TimeoutError struct {
	// Pattern is the pattern kind ("timeout", "deadline",
	// "circuitbreaker"); Name the instance's name.
	Pattern, Name string
	// Limit is the limit that fired (for a deadline, the time that was
	// left when the call started).
	Limit time.Duration
	// Elapsed is how long the caller waited; zero where the pattern does
	// not measure it (the circuit breaker).
	Elapsed time.Duration
	// Reason is ReasonCancelled, ReasonAbandoned or ReasonExpired.
	Reason string
	// Err is the call's own error where the pattern keeps it (the circuit
	// breaker does); nil otherwise.
	Err error
}

// Reasons a time limit fired (TimeoutError.Reason).
const (
	// ReasonCancelled: the function returned after its context ended at
	// the limit.
	ReasonCancelled = "cancelled"
	// ReasonAbandoned: the function was still running at the limit; the
	// caller returned without it.
	ReasonAbandoned = "abandoned"
	// ReasonExpired: a deadline had passed before the call; the function
	// did not run.
	ReasonExpired = "expired"
)

// Error says what fired.
func (e *TimeoutError) Error() string {
	switch {
	case e.Reason == ReasonExpired:
		return fmt.Sprintf("%s %q: deadline already expired", e.Pattern, e.Name)
	case e.Pattern == "deadline":
		return fmt.Sprintf("%s %q: operation exceeded deadline (%v left, %s)", e.Pattern, e.Name, e.Limit, e.Reason)
	}
	return fmt.Sprintf("%s %q: operation exceeded timeout of %v (%s)", e.Pattern, e.Name, e.Limit, e.Reason)
}

// Unwrap returns ErrTimeout, context.DeadlineExceeded and Err (when set).
func (e *TimeoutError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrTimeout, context.DeadlineExceeded}
	}
	return []error{ErrTimeout, context.DeadlineExceeded, e.Err}
}

// ConfigError names a configuration field, the value given and the rule it
// broke. It unwraps to ErrInvalidConfig.
type ConfigError struct {
	// Pattern is the pattern or component whose configuration was rejected.
	Pattern string
	// Field is the field's name as users write it, e.g. "FailureThreshold".
	Field string
	// Value is the value that was given.
	Value any
	// Rule says what the value must be, e.g. "must be at least 1".
	Rule string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s: invalid %s %v: %s", e.Pattern, e.Field, e.Value, e.Rule)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// InvalidConfig is shorthand for &ConfigError{pattern, field, value, rule}.
func InvalidConfig(pattern, field string, value any, rule string) error {
	return &ConfigError{Pattern: pattern, Field: field, Value: value, Rule: rule}
}

// PanicError reports a panic recovered by Bulwark: in an actor's handler (the
// caller whose message caused it gets this error) or in a supervised service.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("bulwark: panic: %v", e.Value) }
