package bulkhead

import "github.com/bulwark-go/bulwark/messages"

// ErrFull is the sentinel of every rejection by a bulkhead; it is
// messages.ErrBulkheadFull. Rejections are *messages.RejectedError values
// that unwrap to it; their Reason is ReasonQueueFull, ReasonWaitTimeout or
// ReasonReconfigured.
var ErrFull = messages.ErrBulkheadFull

// Rejection reasons, in messages.RejectedError.Reason, the Reason field of
// bulkhead_rejected events and the keys of Stats.RejectedBy.
const (
	// ReasonQueueFull: every slot was taken and MaxWaiting callers waited
	// already (with MaxWaiting 0, nobody may wait).
	ReasonQueueFull = "queue_full"
	// ReasonWaitTimeout: the call waited MaxWait without getting a slot.
	ReasonWaitTimeout = "wait_timeout"
	// ReasonReconfigured: the call waited and a Reconfigure made
	// MaxWaiting shorter than its place in the queue (the youngest
	// waiters go first).
	ReasonReconfigured = messages.ReasonReconfigured
)

var reasons = []string{ReasonQueueFull, ReasonWaitTimeout, ReasonReconfigured}

func (b *Bulkhead) rejectedError(reason string) error {
	return &messages.RejectedError{Err: ErrFull, Pattern: Kind, Name: b.h.Name(), Reason: reason}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
