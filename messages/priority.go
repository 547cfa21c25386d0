package messages

import "fmt"

// Priority ranks a call for admission patterns that distinguish callers
// (the load shedder): a larger value is more important. The zero value is
// Normal; values outside Low..Critical are for the pattern to treat (the
// load shedder counts them as Normal).
type Priority int8

// Priorities, in their natural order.
const (
	Low      Priority = -1
	Normal   Priority = 0
	High     Priority = 1
	Critical Priority = 2
)

// String returns "low", "normal", "high" or "critical".
func (p Priority) String() string {
	switch p {
	case Low:
		return "low"
	case Normal:
		return "normal"
	case High:
		return "high"
	case Critical:
		return "critical"
	}
	return fmt.Sprintf("priority(%d)", int8(p))
}

// ParsePriority reads "low", "normal", "high" or "critical" (an empty string
// is Normal); anything else is an error that quotes the input.
func ParsePriority(s string) (Priority, error) {
	switch s {
	case "", "normal":
		return Normal, nil
	case "low":
		return Low, nil
	case "high":
		return High, nil
	case "critical":
		return Critical, nil
	}
	return Normal, fmt.Errorf("bulwark: unknown priority %q (want low, normal, high or critical)", s)
}
