package timeout

import "github.com/bulwark-go/bulwark/messages"

// ErrTimeout is messages.ErrTimeout: every *messages.TimeoutError wraps
// it.
var ErrTimeout = messages.ErrTimeout

// Reasons a limit fired (messages.TimeoutError.Reason, and the Reason of
// the timeout_exceeded event).
const (
	// ReasonCancelled: the function returned after its context ended at
	// the limit.
	ReasonCancelled = messages.ReasonCancelled
	// ReasonAbandoned: the function was still running at the limit; the
	// caller returned without it (the default mode only).
	ReasonAbandoned = messages.ReasonAbandoned
	// ReasonExpired: a Deadline had passed before the call; the function
	// did not run.
	ReasonExpired = messages.ReasonExpired
)
