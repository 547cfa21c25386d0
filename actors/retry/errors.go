package retry

import (
	"fmt"

	"github.com/bulwark-go/bulwark/messages"
)

// ErrExhausted is messages.ErrRetriesExhausted: every *ExhaustedError
// wraps it.
var ErrExhausted = messages.ErrRetriesExhausted

// Reasons the loop gives up (ExhaustedError.Reason, and the Reason of the
// retry_exhausted event).
const (
	// ReasonAttempts: the schedule in force ran its MaxAttempts.
	ReasonAttempts = "attempts"
	// ReasonMaxDuration: the next wait would end more than
	// Config.MaxDuration after the first attempt started.
	ReasonMaxDuration = "max_duration"
	// ReasonDeadline: the next attempt would start at or past the
	// caller's deadline or a composed timeout.Deadline's.
	ReasonDeadline = "deadline"
	// ReasonBudget: the retry budget (Config.Budget) refused the retry.
	ReasonBudget = "budget"
)

// Why an attempt is retried (the Reason of the retry_attempt event).
const (
	// ReasonError: the attempt returned an error that is retried.
	ReasonError = "error"
	// ReasonResult: the attempt returned a result RetryIfResult rejected.
	ReasonResult = "result"
)

// ExhaustedError is returned when the retry loop gives up: the attempts
// ran out, the max duration, a deadline or the budget forbade another
// retry, or the
// last result was still rejected by RetryIfResult. It wraps
// messages.ErrRetriesExhausted and the last error (so errors.Is finds
// both), and carries the last result.
type ExhaustedError struct {
	// Name is the Retry's name.
	Name string
	// Attempts is how many attempts ran.
	Attempts int
	// Reason is ReasonAttempts, ReasonMaxDuration, ReasonDeadline or
	// ReasonBudget.
	Reason string
	// Result is the last attempt's result (its zero value when it failed).
	Result any
	// Err is the last attempt's error; nil when the last result was
	// rejected.
	Err error
}

// Error describes the give-up.
func (e *ExhaustedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("retry %q: %s after %d attempts (%s): %v", e.Name, messages.ErrRetriesExhausted, e.Attempts, e.Reason, e.Err)
	}
	return fmt.Sprintf("retry %q: %s after %d attempts (%s): result rejected", e.Name, messages.ErrRetriesExhausted, e.Attempts, e.Reason)
}

// Unwrap returns messages.ErrRetriesExhausted and the last error.
func (e *ExhaustedError) Unwrap() []error {
	if e.Err == nil {
		return []error{messages.ErrRetriesExhausted}
	}
	return []error{messages.ErrRetriesExhausted, e.Err}
}
