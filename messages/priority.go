package messages

import "fmt"

// Priority ranks a call for admission patterns that distinguish callers
// (the load shedder). The zero value is Normal.
type Priority uint8

// Priorities, lowest first. Normal is the zero value.
const (
	Normal Priority = iota
	Low
	High
	Critical
)

// Rank orders priorities: Low < Normal < High < Critical.
func (p Priority) Rank() int {
	switch p {
	case Low:
		return 0
	case Normal:
		return 1
	case High:
		return 2
	default:
		return 3
	}
}

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
	return fmt.Sprintf("priority(%d)", uint8(p))
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
