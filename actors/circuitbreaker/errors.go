package circuitbreaker

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// ErrOpen is returned, wrapped in a *messages.RejectedError, when the
// breaker rejects a call: the circuit is open (or forced open), or every
// half-open trial slot is taken. It is messages.ErrCircuitOpen.
var ErrOpen = messages.ErrCircuitOpen

// errNilFunc is what Execute and Do return for a nil function: a
// *messages.ConfigError that unwraps to messages.ErrInvalidConfig.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")

// ErrTimeout is matched (errors.Is) by the error Execute and Do return when
// a call ran past Config.Timeout. It is messages.ErrTimeout.
var ErrTimeout = messages.ErrTimeout

func (b *Breaker) rejected(reason string, retry time.Duration) error {
	if retry < 0 {
		retry = 0
	}
	return &messages.RejectedError{Err: ErrOpen, Pattern: Kind, Name: b.name, Reason: reason, RetryAfter: retry}
}

// TimeoutError is what Execute and Do return when the call ran past
// Config.Timeout: errors.Is matches both ErrTimeout and
// context.DeadlineExceeded.
type TimeoutError struct {
	// Name is the breaker's name.
	Name string
	// Timeout is the per-call timeout that ran out.
	Timeout time.Duration
	// Err is what the call returned.
	Err error
}

// Error implements error.
func (e *TimeoutError) Error() string {
	return "circuitbreaker " + e.Name + ": call timed out after " + e.Timeout.String()
}

// Unwrap returns ErrTimeout and the call's own error.
func (e *TimeoutError) Unwrap() []error { return []error{ErrTimeout, e.Err} }

// timedOut wraps err when the per-call context, and not the caller's, ran
// out.
func (b *Breaker) timedOut(parent, call context.Context, err error) error {
	if call.Err() == context.DeadlineExceeded && parent.Err() == nil {
		if err == nil {
			err = context.DeadlineExceeded
		}
		return &TimeoutError{Name: b.name, Timeout: b.cfg.Timeout, Err: err}
	}
	return err
}
