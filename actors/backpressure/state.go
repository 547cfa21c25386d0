package backpressure

// change is what a step did to the backpressure flag.
type change int8

const (
	unchanged change = iota
	turnedOn
	turnedOff
)

// state is the pure state machine of a Gate: pending items and the flag
// with its hysteresis. It has no goroutines, channels or clocks; the
// Gate's actor owns one. Its pending count is the truth while the valve is
// closed (the actor takes the releases off it as it settles); while the
// valve is open callers move the valve's count instead, and the actor
// copies the count in when it closes the valve.
type state struct {
	max, high, low int

	pending int
	active  bool
}

func newState(c Config) state {
	return state{max: c.MaxInFlight, high: c.HighWaterMark, low: c.LowWaterMark}
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

// admit adds one item unless backpressure is on, and reports whether it
// did.
func (s *state) admit() (ok bool, ch change) {
	if s.active {
		return false, unchanged
	}
	s.pending++
	return true, s.settle()
}

// refuse returns ReasonOverloaded when pending items plus waiting callers
// have reached max, else "".
func (s *state) refuse(waiting int) string {
	if s.pending+waiting >= s.max {
		return ReasonOverloaded
	}
	return ""
}

// release takes n items away (never below zero).
func (s *state) release(n int) change {
	s.pending -= min(n, s.pending)
	return s.settle()
}
