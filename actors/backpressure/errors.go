package backpressure

import "github.com/bulwark-go/bulwark/messages"

// ErrBackpressure is the sentinel of every rejection; it is
// messages.ErrBackpressure. Rejections are *messages.RejectedError values
// that unwrap to it; their Reason is one of the Reason constants.
var ErrBackpressure = messages.ErrBackpressure

// Rejection reasons, in messages.RejectedError.Reason, the Reason field of
// backpressure_rejected events and the keys of Stats.RejectedBy.
const (
	// ReasonOverloaded: pending items plus waiters reached MaxInFlight.
	ReasonOverloaded = "overloaded"
	// ReasonActive: backpressure was on and the call could not wait
	// (MaxWaiting callers waited already, or it was AcquireNow).
	ReasonActive = "backpressure_active"
	// ReasonWaitTimeout: the call waited its whole wait while backpressure
	// stayed on.
	ReasonWaitTimeout = "wait_timeout"
	// ReasonReconfigured: the call waited and a Reconfigure made
	// MaxWaiting shorter than its place in the queue (the youngest go
	// first).
	ReasonReconfigured = messages.ReasonReconfigured
)

var reasons = []string{ReasonOverloaded, ReasonActive, ReasonWaitTimeout, ReasonReconfigured}

func (g *Gate) rejectedError(reason string) error {
	return &messages.RejectedError{Err: ErrBackpressure, Pattern: Kind, Name: g.h.Name(), Reason: reason}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
