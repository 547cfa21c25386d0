package ratelimit

import (
	"fmt"

	"github.com/bulwark-go/bulwark/messages"
)

// ErrLimited is the sentinel of every rejection by a rate limiter; it is
// messages.ErrRateLimited. Rejections are *messages.RejectedError values
// that unwrap to it and carry the exact time until the next permit in
// RetryAfter.
var ErrLimited = messages.ErrRateLimited

// Rejection reasons, in messages.RejectedError.Reason.
const (
	// ReasonExceeded: the key has used its rate.
	ReasonExceeded = "rate_limit_exceeded"
	// ReasonDeadline: Wait would have to wait past its context's deadline
	// (as x/time/rate's "would exceed context deadline"); nothing was
	// consumed.
	ReasonDeadline = "wait_exceeds_deadline"
	// ReasonKeyLimit: Config.MaxKeys keys are tracked and none of them is
	// idle, so a new key cannot be admitted without resetting another
	// key's limit. RetryAfter is the time until the first one goes idle.
	ReasonKeyLimit = "key_limit"
)

// errNilFunc is Execute's and Do's answer to a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")

// RateError reports a malformed or unusable rate. It quotes the input and
// unwraps to messages.ErrInvalidConfig. A limiter never fails open on one:
// the call is refused with this error.
type RateError struct {
	// Input is the rate as given, e.g. "10/week".
	Input string
	// Rule says what is wrong with it.
	Rule string
}

// Error implements error.
func (e *RateError) Error() string {
	return fmt.Sprintf("ratelimit: invalid rate %q: %s", e.Input, e.Rule)
}

// Unwrap returns messages.ErrInvalidConfig.
func (e *RateError) Unwrap() error { return messages.ErrInvalidConfig }
