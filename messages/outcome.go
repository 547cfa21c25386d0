package messages

import (
	"context"
	"errors"
)

// Outcome is how a permitted call ended, as a caller reports it to the actor
// that granted the permit.
type Outcome uint8

// Outcomes.
const (
	// Success: the call did what was asked.
	Success Outcome = iota
	// Failure: the call failed in a way the pattern counts against the backend.
	Failure
	// Ignored: the call ended in a way that says nothing about the backend
	// (an error the pattern was told not to count, or the caller's own
	// context ending); it releases the permit and changes no statistics of
	// health.
	Ignored
)

// String returns "success", "failure" or "ignored".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Ignored:
		return "ignored"
	}
	return "outcome(?)"
}

// ClassifyError is the default mapping from a call's error to an Outcome:
// nil is Success; context.Canceled is Ignored (the caller gave up, the backend
// is not to blame); a refusal by a Bulwark pattern (IsRefusal) is Ignored
// (local overload is not a backend failure); anything else, timeouts and
// deadlines included (the backend was too slow), is Failure.
func ClassifyError(err error) Outcome {
	switch {
	case err == nil:
		return Success
	case errors.Is(err, context.Canceled), IsRefusal(err):
		return Ignored
	}
	return Failure
}

// IsRefusal reports whether err is Bulwark's own refusal to run a call:
// ErrCircuitOpen, ErrRateLimited, ErrBulkheadFull, ErrShed, ErrBackpressure,
// ErrLimitExceeded or ErrStopped anywhere in its chain. Such a call never
// reached the backend, so by default every pattern treats it as neutral: a
// breaker does not count it, a retry does not retry it. ErrTimeout is not a
// refusal (the backend was too slow).
func IsRefusal(err error) bool {
	if err == nil {
		return false
	}
	var r *RejectedError
	if errors.As(err, &r) {
		return true
	}
	return errors.Is(err, ErrCircuitOpen) || errors.Is(err, ErrRateLimited) ||
		errors.Is(err, ErrBulkheadFull) || errors.Is(err, ErrShed) ||
		errors.Is(err, ErrBackpressure) || errors.Is(err, ErrLimitExceeded) ||
		errors.Is(err, ErrStopped)
}

// WorthRepeating is the rule retry and hedging share for whether a call's
// error warrants another attempt: true for every error but
// context.Canceled, context.DeadlineExceeded and Bulwark's own refusals
// (IsRefusal: local overload is no reason for more load); an ErrTimeout
// from a Bulwark timeout is worth repeating although it also wraps
// context.DeadlineExceeded. nil is not.
func WorthRepeating(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrTimeout) {
		return true
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !IsRefusal(err)
}
