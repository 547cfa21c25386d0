package backpressure

import "github.com/bulwark-go/bulwark/actors/internal/waitq"

// change is what a step did to the backpressure flag.
type change int8

const (
	unchanged change = iota
	turnedOn
	turnedOff
)

// state is the pure state machine of a Manager: pending items, the flag
// with its hysteresis, the FIFO of waiters and the counters. It has no
// goroutines, channels or clocks; the actor owns one. Its pending count is
// the truth while the Manager's gate is closed; while the gate is open
// callers move the gate's count instead (and their admissions are counted
// there), and the actor copies the count in when it closes the gate.
type state struct {
	max, high, low int

	pending int
	active  bool
	q       fifo

	accepted, cancelled uint64
	rejected            [nReasons]uint64
}

func newState(c Config) state {
	return state{max: c.MaxPending, high: c.HighWaterMark, low: c.LowWaterMark}
}

// settle applies the hysteresis: on at pending ≥ high, off at pending ≤
// low (on wins when the marks are equal). Invariant after settle: when the
// flag is off, pending < high.
func (s *state) settle() change {
	switch {
	case !s.active && s.pending >= s.high:
		s.active = true
		return turnedOn
	case s.active && s.pending <= s.low && s.pending < s.high:
		s.active = false
		return turnedOff
	}
	return unchanged
}

// arrive decides for a new call with ticket id that may (wait) or may not
// wait: admitted now, queued, or rejected for reason.
func (s *state) arrive(id uint64, wait bool) (admitted, queued bool, reason string, ch change) {
	switch {
	case !s.active && s.q.Len() == 0:
		s.pending++
		s.accepted++
		return true, false, "", s.settle()
	case s.pending+s.q.Len() >= s.max:
		reason = ReasonOverloaded
	case !wait:
		reason = ReasonActive
	default:
		s.q.Push(id)
		return false, true, "", unchanged
	}
	s.rejected[reasonIndex(reason)]++
	return false, false, reason, unchanged
}

// release takes n items away (never below zero).
func (s *state) release(n int) change {
	s.pending -= min(n, s.pending)
	return s.settle()
}

// next admits the oldest waiter if backpressure is off, and returns it.
func (s *state) next() (id uint64, ch change, ok bool) {
	if s.active || s.q.Len() == 0 {
		return 0, unchanged, false
	}
	id = s.q.Pop()
	s.pending++
	s.accepted++
	return id, s.settle(), true
}

// leave takes waiter id out of the queue. If it was no longer queued it
// had been admitted: that admission is counted again as the leave (the
// caller releases the item). timeout says whether its wait passed (a
// rejection) or its context ended (a cancellation).
func (s *state) leave(id uint64, timeout bool) (removed bool) {
	removed = s.q.Remove(id)
	if !removed {
		s.accepted--
	}
	if timeout {
		s.rejected[reasonIndex(ReasonWaitTimeout)]++
	} else {
		s.cancelled++
	}
	return removed
}

// fifo is the waiters' queue, shared with the other admission actors.
type fifo = waitq.FIFO
