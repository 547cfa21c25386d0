package circuitbreaker

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// State is where the circuit is.
type State uint8

// The circuit's states.
const (
	// Closed: calls pass; outcomes are counted.
	Closed State = iota
	// Open: calls are rejected until the recovery timeout has passed since
	// the circuit opened.
	Open
	// HalfOpen: up to HalfOpenMaxCalls trial calls at a time pass; enough
	// consecutive successes close the circuit, any failure opens it again.
	HalfOpen
)

// String returns "closed", "open" or "half_open".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "state(?)"
}

// Mode overrides the state machine.
type Mode uint8

// The breaker's modes.
const (
	// Normal: the state machine decides.
	Normal Mode = iota
	// ForcedOpen: every call is rejected until the mode changes.
	ForcedOpen
	// Disabled (forced closed): every call passes and is counted, the
	// circuit never opens.
	Disabled
)

// String returns "normal", "forced_open" or "disabled".
func (m Mode) String() string {
	switch m {
	case Normal:
		return "normal"
	case ForcedOpen:
		return "forced_open"
	case Disabled:
		return "disabled"
	}
	return "mode(?)"
}

// Reasons carried by transitions, rejections and events (Fields.Reason).
const (
	ReasonFailureThreshold = "failure_threshold" // consecutive failures
	ReasonFailureRate      = "failure_rate"
	ReasonSlowCallRate     = "slow_call_rate"
	ReasonRecovered        = "recovery_timeout" // OPEN → HALF_OPEN
	ReasonSuccessThreshold = "success_threshold"
	ReasonTrialFailed      = "trial_failed"
	ReasonLeaseExpired     = "lease_expired" // a trial did not report in time
	ReasonForcedOpen       = "forced_open"
	ReasonDisabled         = "disabled"
	ReasonNormal           = "normal"
	ReasonReset            = "reset"
	ReasonOpen             = "open"           // rejection: the circuit is open
	ReasonHalfOpenFull     = "half_open_full" // rejection: every trial slot is taken
)

// slotBits is how many low bits of a permit's token name its trial slot
// (0: not a trial); the bits above hold the generation.
const slotBits = 16

// expiredRing is how many expired trial tokens the machine remembers, so
// that the late report of a trial already counted as failed is not counted
// twice.
const expiredRing = 16

func token(gen uint64, slot int) uint64 { return gen<<slotBits | uint64(slot) }

// transition is one change of state, kept for the actor to publish.
type transition struct {
	from, to State
	reason   string
	reset    bool // by Reset
}

// lease is a trial call in flight in HALF_OPEN.
type lease struct {
	busy     bool
	deadline time.Time
}

// machine is the breaker's pure state machine: no goroutine, no clock, no
// channel. Every method takes the time it runs at. Not safe for concurrent
// use: the actor's goroutine owns it.
type machine struct {
	cfg Config

	state     State
	mode      Mode
	gen       uint64    // bumped on every change of state or mode
	openedAt  time.Time // when the circuit last opened
	openUntil time.Time // openedAt + RecoveryTimeout
	changedAt time.Time // last change of state

	total, succeeded, failed, rejected, ignored, slow uint64
	consecFail, consecSucc                            int
	lastFailure                                       time.Time

	win     window
	leases  []lease
	busy    int                 // leases in use
	expired [expiredRing]uint64 // tokens of trials counted as failed at expiry
	nexp    int

	trans []transition // since the actor last drained them
}

func newMachine(cfg Config, now time.Time, gen uint64) *machine {
	return &machine{
		cfg:       cfg,
		gen:       gen,
		changedAt: now,
		win:       newWindow(cfg, now),
		leases:    make([]lease, cfg.HalfOpenMaxCalls),
	}
}

// setState moves to s, bumps the generation and records the transition.
func (m *machine) setState(s State, reason string, now time.Time) {
	from := m.state
	m.state = s
	m.gen++
	m.changedAt = now
	clear(m.leases)
	m.busy = 0
	switch s {
	case Open:
		m.consecSucc = 0
		m.openedAt = now
		m.openUntil = now.Add(m.cfg.RecoveryTimeout)
	case HalfOpen:
		m.consecSucc = 0 // the trials' run starts here
	case Closed:
		m.consecFail = 0
		m.win.reset(now)
	}
	m.trans = append(m.trans, transition{from: from, to: s, reason: reason})
}

// refusal says why acquire rejected a call (kept a byte wide so that the
// actor's replies stay small).
type refusal uint8

const (
	refusedOpen refusal = iota
	refusedForced
	refusedFull
)

// String returns the Reason constant of r.
func (r refusal) String() string {
	switch r {
	case refusedForced:
		return ReasonForcedOpen
	case refusedFull:
		return ReasonHalfOpenFull
	}
	return ReasonOpen
}

// decision is the answer to acquire.
type decision struct {
	ok     bool
	reason refusal       // why it was rejected
	token  uint64        // the permit's token when admitted
	retry  time.Duration // how long until it might pass
}

// acquire decides whether one call may start at now. A rejection is counted.
func (m *machine) acquire(now time.Time) decision {
	m.expire(now)
	switch {
	case m.mode == Disabled:
		return decision{ok: true, token: token(m.gen, 0)}
	case m.mode == ForcedOpen:
		m.reject()
		return decision{reason: refusedForced}
	}
	switch m.state {
	case Closed:
		return decision{ok: true, token: token(m.gen, 0)}
	case Open:
		m.reject()
		return decision{reason: refusedOpen, retry: m.openUntil.Sub(now)}
	}
	for i := range m.leases {
		if !m.leases[i].busy {
			m.leases[i] = lease{busy: true, deadline: now.Add(m.cfg.HalfOpenLease)}
			m.busy++
			return decision{ok: true, token: token(m.gen, i+1)}
		}
	}
	m.reject()
	return decision{reason: refusedFull, retry: m.nextLease().Sub(now)}
}

// reject counts one rejected call.
func (m *machine) reject() {
	m.rejected++
	m.total++
}

// expire moves OPEN to HALF_OPEN when the recovery timeout has passed since
// the circuit opened, and reclaims the trial leases that ran out (each a
// failure, which opens the circuit again).
func (m *machine) expire(now time.Time) {
	if m.mode != Normal {
		return
	}
	if m.state == HalfOpen {
		for i := range m.leases {
			if l := m.leases[i]; l.busy && !now.Before(l.deadline) {
				m.expired[m.nexp%expiredRing] = token(m.gen, i+1)
				m.nexp++
				m.failed++
				m.total++
				m.countFailure(now)
				m.setState(Open, ReasonLeaseExpired, now)
				break
			}
		}
	}
	if m.state == Open && !now.Before(m.openUntil) {
		m.setState(HalfOpen, ReasonRecovered, now)
	}
}

// nextDeadline is when expire next has work to do (zero: never).
func (m *machine) nextDeadline() time.Time {
	if m.mode != Normal {
		return time.Time{}
	}
	switch m.state {
	case Open:
		return m.openUntil
	case HalfOpen:
		return m.nextLease()
	}
	if m.cfg.rates() {
		return m.win.nextCollect() // collect the successes into their bucket
	}
	return time.Time{}
}

// advance moves the window to now (the timer's tick at a bucket boundary).
func (m *machine) advance(now time.Time) { m.win.advance(now) }

// windowed says whether successes go into a window (and so need a time).
func (m *machine) windowed() bool {
	return m.mode == Normal && m.state == Closed && m.cfg.rates()
}

func (m *machine) nextLease() time.Time {
	var t time.Time
	for _, l := range m.leases {
		if l.busy && (t.IsZero() || l.deadline.Before(t)) {
			t = l.deadline
		}
	}
	return t
}

func (m *machine) countFailure(now time.Time) {
	m.consecFail++
	m.consecSucc = 0
	m.lastFailure = now
}

// release takes the outcome of the call that held tok, which took latency
// (0 when not measured). Every success and failure is counted; only those
// of the current generation move the state: a call admitted before the
// circuit last changed state reports too late to matter (a late failure
// does not extend the open period).
func (m *machine) release(tok uint64, o messages.Outcome, latency time.Duration, now time.Time) {
	gen, slot := tok>>slotBits, int(tok&(1<<slotBits-1))
	current := gen == m.gen
	if !current && slot > 0 {
		for i, t := range m.expired {
			if t == tok {
				m.expired[i] = 0
				return // counted as a failure when its lease ran out
			}
		}
	}
	if current && slot > 0 && slot <= len(m.leases) && m.leases[slot-1].busy {
		m.leases[slot-1].busy = false
		m.busy--
	}
	switch o {
	case messages.Success:
		m.succeeded++
	case messages.Failure:
		m.failed++
	default:
		m.ignored++
		return
	}
	m.total++
	slow := m.cfg.SlowCallDuration > 0 && latency >= m.cfg.SlowCallDuration
	if slow {
		m.slow++
	}
	if !current {
		return
	}
	fail := o == messages.Failure
	if fail {
		m.countFailure(now)
	} else {
		m.consecSucc++
		m.consecFail = 0
	}
	if m.mode != Normal {
		return
	}
	switch m.state {
	case Closed:
		if m.cfg.rates() {
			m.win.record(fail, slow, now)
		}
		if r := m.tripped(); r != "" {
			m.setState(Open, r, now)
		}
	case HalfOpen:
		if fail {
			m.setState(Open, ReasonTrialFailed, now)
		} else if m.consecSucc >= m.cfg.SuccessThreshold {
			m.setState(Closed, ReasonSuccessThreshold, now)
		}
	}
}

// succeed counts n successes of the current generation that the actor
// collected from the striped counters (none of them slow), at now. The
// window takes them all before it is judged: a success can trip it by
// bringing it to MinimumCalls, but not when the successes collected with it
// bring the rate back under the threshold (those calls were made and went
// well; with a message per success the circuit would have opened before
// they were admitted, on older news).
func (m *machine) succeed(n uint64, now time.Time) {
	m.succeeded += n
	m.total += n
	m.consecSucc += int(min(n, 1<<31))
	m.consecFail = 0
	if m.mode != Normal || m.state != Closed || !m.cfg.rates() {
		return // without a rate window a success cannot move the state
	}
	m.win.recordSuccesses(n, now)
	if r := m.tripped(); r != "" {
		m.setState(Open, r, now)
	}
}

// late counts n successes of an older generation, collected from the
// striped counters: in the metrics only, as release does.
func (m *machine) late(n uint64) {
	m.succeeded += n
	m.total += n
}

// tripped says why the circuit should open now, or "".
func (m *machine) tripped() string {
	c := m.cfg
	if c.FailureThreshold > 0 && m.consecFail >= c.FailureThreshold {
		return ReasonFailureThreshold
	}
	if !c.rates() {
		return ""
	}
	fail, slow, ok := m.win.rates(c.MinimumCalls)
	switch {
	case !ok:
		return ""
	case c.FailureRateThreshold > 0 && fail >= c.FailureRateThreshold:
		return ReasonFailureRate
	case c.SlowCallRateThreshold > 0 && slow >= c.SlowCallRateThreshold:
		return ReasonSlowCallRate
	}
	return ""
}

// setMode changes the mode; the circuit restarts CLOSED, except in
// ForcedOpen, where it is OPEN.
func (m *machine) setMode(md Mode, now time.Time) {
	m.mode = md
	reason := ReasonNormal
	to := Closed
	switch md {
	case ForcedOpen:
		reason, to = ReasonForcedOpen, Open
	case Disabled:
		reason = ReasonDisabled
	}
	m.setState(to, reason, now)
}

// reset closes the circuit in Normal mode and zeroes every counter.
func (m *machine) reset(now time.Time) {
	from := m.state
	m.mode = Normal
	m.setState(Closed, ReasonReset, now)
	m.total, m.succeeded, m.failed, m.rejected, m.ignored, m.slow = 0, 0, 0, 0, 0, 0
	m.consecFail, m.consecSucc = 0, 0
	m.lastFailure = time.Time{}
	m.trans[len(m.trans)-1] = transition{from: from, to: Closed, reason: ReasonReset, reset: true}
}

// stats returns the counters at now.
func (m *machine) stats(now time.Time) Stats {
	m.win.advance(now)
	fr, sr, _ := m.win.rates(1)
	s := Stats{
		State:                m.state,
		Mode:                 m.mode,
		Generation:           m.gen,
		Total:                m.total,
		Successful:           m.succeeded,
		Failed:               m.failed,
		Rejected:             m.rejected,
		Ignored:              m.ignored,
		Slow:                 m.slow,
		ConsecutiveFailures:  m.consecFail,
		ConsecutiveSuccesses: m.consecSucc,
		WindowCalls:          m.win.calls,
		WindowFailureRate:    fr,
		WindowSlowCallRate:   sr,
		HalfOpenInFlight:     m.busy,
		LastStateChange:      m.changedAt,
		LastFailure:          m.lastFailure,
	}
	if done := m.succeeded + m.failed; done > 0 {
		s.FailureRate = float64(m.failed) / float64(done)
	}
	if m.state == Open && m.mode == Normal && now.Before(m.openUntil) {
		s.OpenRemaining = m.openUntil.Sub(now)
	}
	return s
}
