package backpressure

import "github.com/bulwark-go/bulwark/messages"

// ErrBackpressure is the sentinel of every rejection; it is
// messages.ErrBackpressure. Rejections are *messages.RejectedError values
// that unwrap to it; their Reason is one of the Reason constants.
var ErrBackpressure = messages.ErrBackpressure

// Rejection reasons, in messages.RejectedError.Reason, the Reason field of
// backpressure_rejected events and the keys of Stats.RejectedBy.
const (
	// ReasonOverloaded: pending items plus waiters reached MaxPending.
	ReasonOverloaded = "overloaded"
	// ReasonActive: backpressure was on and the call would not wait.
	ReasonActive = "backpressure_active"
	// ReasonWaitTimeout: the call waited its whole wait while backpressure
	// stayed on.
	ReasonWaitTimeout = "wait_timeout"
)

var reasons = [...]string{ReasonOverloaded, ReasonActive, ReasonWaitTimeout}

const nReasons = len(reasons)

func reasonIndex(r string) int {
	for i, s := range reasons {
		if s == r {
			return i
		}
	}
	return 0
}

func (m *Manager) rejectedError(reason string) error {
	return &messages.RejectedError{Err: ErrBackpressure, Pattern: Kind, Name: m.name, Reason: reason}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
