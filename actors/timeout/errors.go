package timeout

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// ErrTimeout is messages.ErrTimeout: every *TimeoutError wraps it.
var ErrTimeout = messages.ErrTimeout

// TimeoutError says that our limit fired. It wraps messages.ErrTimeout and
// context.DeadlineExceeded.
type TimeoutError struct {
	// Pattern is Kind or DeadlineKind; Name the instance's name.
	Pattern, Name string
	// Limit is the timeout (for a Deadline, the time that was left when
	// the call started).
	Limit time.Duration
	// Elapsed is how long the caller waited.
	Elapsed time.Duration
	// Reason is "cancelled" (the function returned after its context
	// ended), "abandoned" (it was still running) or "expired" (a Deadline
	// had passed before the call; the function did not run).
	Reason string
}

// Error says what fired.
func (e *TimeoutError) Error() string {
	if e.Reason == "expired" {
		return fmt.Sprintf("%s %q: deadline already expired", e.Pattern, e.Name)
	}
	if e.Pattern == DeadlineKind {
		return fmt.Sprintf("%s %q: operation exceeded deadline (%v left, %s)", e.Pattern, e.Name, e.Limit, e.Reason)
	}
	return fmt.Sprintf("%s %q: operation exceeded timeout of %v (%s)", e.Pattern, e.Name, e.Limit, e.Reason)
}

// Unwrap returns messages.ErrTimeout and context.DeadlineExceeded.
func (e *TimeoutError) Unwrap() []error {
	return []error{messages.ErrTimeout, context.DeadlineExceeded}
}
