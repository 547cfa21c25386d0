package loadshed

import "github.com/bulwark-go/bulwark/messages"

// ErrShed is the sentinel of every rejection by a load shedder; it is
// messages.ErrShed. Rejections are *messages.RejectedError values that
// unwrap to it; their Reason is one of the Reason constants.
var ErrShed = messages.ErrShed

// Rejection reasons, in messages.RejectedError.Reason, the Reason field of
// request_shed events and the keys of Stats.RejectedBy.
const (
	// ReasonLowPriority: a Low call arrived at LevelElevated or above.
	ReasonLowPriority = "low_priority"
	// ReasonSignal: the outside Signal's level sheds this priority (Normal
	// at LevelHigh and above, High at LevelCritical).
	ReasonSignal = "signal_level"
	// ReasonAtCapacity: a Low call found every slot taken (Low never
	// queues).
	ReasonAtCapacity = "at_capacity"
	// ReasonQueueFull: every slot was taken and MaxWaiting callers of the
	// same or higher priority waited already (with MaxWaiting 0, nobody
	// may wait).
	ReasonQueueFull = "queue_full"
	// ReasonDisplaced: the call waited and lost its place to a
	// higher-priority arrival when MaxWaiting callers waited.
	ReasonDisplaced = "displaced"
	// ReasonWaitTimeout: the call waited MaxWait without getting a slot.
	ReasonWaitTimeout = "wait_timeout"
	// ReasonReconfigured: the call waited and a Reconfigure made
	// MaxWaiting shorter than its place in the queue (the youngest of
	// the lowest priority go first).
	ReasonReconfigured = messages.ReasonReconfigured
)

var reasons = []string{ReasonLowPriority, ReasonSignal, ReasonAtCapacity, ReasonQueueFull, ReasonDisplaced, ReasonWaitTimeout, ReasonReconfigured}

func (s *Shedder) rejected(reason string) error {
	return &messages.RejectedError{Err: ErrShed, Pattern: Kind, Name: s.h.Name(), Reason: reason}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
