package fallback

import "fmt"

// Reasons of the fallback_triggered event.
const (
	// ReasonRecovered: a fallback answered.
	ReasonRecovered = "recovered"
	// ReasonAllFailed: every fallback failed (the caller gets a
	// *FailedError).
	ReasonAllFailed = "all_failed"
)

// FailedError is returned when the primary call and every fallback failed.
type FailedError struct {
	// Name is the Fallback's name.
	Name string
	// Primary is the primary call's error; Last the last fallback's.
	Primary, Last error
}

// Error names both errors.
func (e *FailedError) Error() string {
	return fmt.Sprintf("fallback %q: all fallbacks failed: primary: %v; last fallback: %v", e.Name, e.Primary, e.Last)
}

// Unwrap returns the primary's and the last fallback's errors.
func (e *FailedError) Unwrap() []error { return []error{e.Primary, e.Last} }
