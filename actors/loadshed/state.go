package loadshed

import (
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/messages"
)

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

// fifo is the waiters' queue, shared with the other admission actors.
type fifo = waitq.FIFO

// queue is the bounded priority queue of waiters: Critical first, then
// High, then Normal, each in arrival order (Low never queues).
type queue struct {
	max   int
	tiers [3]fifo // by tier(p)
}

func tier(p messages.Priority) int {
	switch p {
	case messages.Critical:
		return 0
	case messages.High:
		return 1
	}
	return 2
}

func (q *queue) len() int { return q.tiers[0].Len() + q.tiers[1].Len() + q.tiers[2].Len() }

// push queues id at priority p. When the queue is full it displaces the
// youngest waiter of the lowest tier below p's (returned with displaced
// true); if there is none, ok is false and nothing changes.
func (q *queue) push(id uint64, p messages.Priority) (out uint64, displaced, ok bool) {
	t := tier(p)
	if q.len() >= q.max {
		for lower := 2; lower > t; lower-- {
			if q.tiers[lower].Len() > 0 {
				out, displaced = q.tiers[lower].PopBack(), true
				break
			}
		}
		if !displaced {
			return 0, false, false
		}
	}
	q.tiers[t].Push(id)
	return out, displaced, true
}

// pop removes the first waiter of the highest tier.
func (q *queue) pop() (uint64, bool) {
	for t := range q.tiers {
		if q.tiers[t].Len() > 0 {
			return q.tiers[t].Pop(), true
		}
	}
	return 0, false
}

// remove takes id out of the queue and reports whether it was there.
func (q *queue) remove(id uint64) bool {
	for t := range q.tiers {
		if q.tiers[t].Remove(id) {
			return true
		}
	}
	return false
}
