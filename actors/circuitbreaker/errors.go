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

// timedOut wraps err when the per-call context, and not the caller's, ran
// out.
func (b *Breaker) timedOut(parent, call context.Context, limit time.Duration, err error) error {
	if call.Err() == context.DeadlineExceeded && parent.Err() == nil {
		if err == nil {
			err = context.DeadlineExceeded
		}
		return &messages.TimeoutError{Pattern: Kind, Name: b.name, Limit: limit, Reason: messages.ReasonCancelled, Err: err}
	}
	return err
}
