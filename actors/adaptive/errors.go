package adaptive

import "github.com/bulwark-go/bulwark/messages"

// ErrLimitExceeded is the sentinel of every rejection by an adaptive
// limiter; it is messages.ErrLimitExceeded. Rejections are
// *messages.RejectedError values that unwrap to it, with Reason
// ReasonAtLimit.
var ErrLimitExceeded = messages.ErrLimitExceeded

// ReasonAtLimit: every permit of the current limit is in use.
const ReasonAtLimit = "at_limit"

// Reasons for a limit change, in the Reason field of limit_changed events.
const (
	// ReasonSuccessRate: the window's success rate reached
	// IncreaseAtSuccessRate.
	ReasonSuccessRate = "success_rate"
	// ReasonFailureRate: the window's success rate fell to
	// DecreaseAtFailureRate.
	ReasonFailureRate = "failure_rate"
	// ReasonLatency: Vegas saw latency rise above its baseline.
	ReasonLatency = "latency"
)

func (l *Limiter) rejected() error {
	return &messages.RejectedError{Err: ErrLimitExceeded, Pattern: Kind, Name: l.name, Reason: ReasonAtLimit}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
