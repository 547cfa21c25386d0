package loadshed

import "github.com/bulwark-go/bulwark/messages"

// LoadLevel is how loaded a shedder is, from LevelNormal to LevelCritical
// (the original's LoadLevel enum, same order and numbers).
type LoadLevel uint8

// Load levels, lowest first.
const (
	LevelNormal LoadLevel = iota
	LevelElevated
	LevelHigh
	LevelCritical
)

// String returns "normal", "elevated", "high" or "critical".
func (l LoadLevel) String() string {
	switch l {
	case LevelNormal:
		return "normal"
	case LevelElevated:
		return "elevated"
	case LevelHigh:
		return "high"
	case LevelCritical:
		return "critical"
	}
	return "unknown"
}

// LevelOf returns the load level of inflight calls out of max (max > 0):
// utilisation strictly above 90 % is LevelCritical, above 75 % LevelHigh,
// above 60 % LevelElevated, else LevelNormal. It is exact (integers): 60 of
// 100 is LevelNormal, 61 of 100 LevelElevated.
func LevelOf(inflight, max int) LoadLevel {
	u := int64(inflight) * 100
	m := int64(max)
	switch {
	case u > 90*m:
		return LevelCritical
	case u > 75*m:
		return LevelHigh
	case u > 60*m:
		return LevelElevated
	}
	return LevelNormal
}

// shedFor returns why a call of priority p is shed before it looks for a
// slot, at utilisation level util and outside level signal, or "" if it
// may go on.
func shedFor(p messages.Priority, util, signal LoadLevel) string {
	switch p {
	case messages.Low:
		if max(util, signal) >= LevelElevated {
			return ReasonLowPriority
		}
	case messages.Normal:
		if signal >= LevelHigh {
			return ReasonSignal
		}
	case messages.High:
		if signal >= LevelCritical {
			return ReasonSignal
		}
	}
	return ""
}

// tier is where a waiter of priority p queues: Critical first, then High,
// then Normal (Low never waits).
func tier(p messages.Priority) int {
	switch p {
	case messages.Critical:
		return 0
	case messages.High:
		return 1
	}
	return 2
}
