package loadshed

import "github.com/bulwark-go/bulwark/messages"

// ErrShed is the sentinel of every rejection by a load shedder; it is
// messages.ErrShed. Rejections are *messages.RejectedError values that
// unwrap to it; their Reason is one of the Reason constants.
var ErrShed = messages.ErrShed

// Rejection reasons, in messages.RejectedError.Reason and the Reason field
// of request_shed events.
const (
	// ReasonLowPriority: a Low call arrived at LevelElevated or above.
	ReasonLowPriority = "low_priority"
	// ReasonSignal: the outside Signal's level sheds this priority (Normal
	// at LevelHigh and above, High at LevelCritical).
	ReasonSignal = "signal_level"
	// ReasonAtCapacity: a Low call found every slot taken (Low never
	// queues).
	ReasonAtCapacity = "at_capacity"
	// ReasonQueueFull: every slot was taken and the queue was full of
	// waiters of the same or higher priority.
	ReasonQueueFull = "queue_full"
	// ReasonDisplaced: the call waited in the queue and lost its place to
	// a higher-priority arrival when the queue was full.
	ReasonDisplaced = "displaced"
)

func (s *Shedder) rejected(reason string) error {
	return &messages.RejectedError{Err: ErrShed, Pattern: Kind, Name: s.name, Reason: reason}
}

// errNilFunc is the error of Do with a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
