package bulkhead

import "github.com/bulwark-go/bulwark/messages"

// ErrFull is the sentinel of every rejection by a bulkhead; it is
// messages.ErrBulkheadFull. Rejections are *messages.RejectedError values
// that unwrap to it; their Reason is ReasonQueueFull or ReasonWaitTimeout.
var ErrFull = messages.ErrBulkheadFull

// Rejection reasons, in messages.RejectedError.Reason, the Reason field of
// bulkhead_rejected events and the keys of Stats.RejectedBy.
const (
	// ReasonQueueFull: every slot was taken and MaxWaiting callers waited
	// already (with MaxWaiting 0, nobody may wait).
	ReasonQueueFull = "queue_full"
	// ReasonWaitTimeout: the call waited MaxWait without getting a slot.
	ReasonWaitTimeout = "wait_timeout"
)

var reasons = []string{ReasonQueueFull, ReasonWaitTimeout}

func (b *Bulkhead) rejectedError(reason string) error {
	return &messages.RejectedError{Err: ErrFull, Pattern: Kind, Name: b.name, Reason: reason}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
