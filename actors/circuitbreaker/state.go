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
	// Stopped: the engine has shut down; every call returns
	// messages.ErrStopped. Only Breaker.State reports it.
	Stopped
)

// String returns "closed", "open", "half_open" or "stopped".
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	case Stopped:
		return "stopped"
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

// transition is one change of state, kept for the actor to publish.
type transition struct {
	from, to State
	reason   string
	reset    bool // by Reset
}

// machine is the breaker's pure state machine: no goroutine, no clock, no
// channel. Every method takes the time it runs at. Not safe for concurrent
// use: the actor's goroutine owns it.
type machine struct {
	cfg   *Config // in force; never written through (shared with the handle)
	tag   uint64  // the instance's token tag
	first uint64  // the generation the machine started at

	state     State
	mode      Mode
	gen       uint64    // bumped on every change of state or mode
	openedAt  time.Time // when the circuit last opened
	openUntil time.Time // openedAt + RecoveryTimeout
	changedAt time.Time // last change of state

	total, succeeded, failed, rejected, ignored, slow, misused uint64
	consecFail, consecSucc                                     int
	lastFailure                                                time.Time

	placed uint64              // successes of this generation in sequence
	runs   *[runMemory]failRun // the latest runs of failures (n 0: free; nil: none)

	trials, trialsSlow int // HALF_OPEN: trials reported, and how many slow

	win    window
	leases []lease // HalfOpenMaxCalls of them, from the first HALF_OPEN
	busy   int     // leases in use
	ticket uint16  // the last trial ticket given
	// pending holds the trials of older generations that have not
	// reported, true for those counted as failed when their lease ran out.
	pending map[uint64]bool

	trans []transition // since the actor last drained them
}

func newMachine(cfg Config, now time.Time, gen, tag uint64) *machine {
	m := machineOf(&cfg, now, gen, tag)
	return &m
}

// machineOf is a new machine under *cfg, which nobody writes: the machine
// shares it rather than copying it.
func machineOf(cfg *Config, now time.Time, gen, tag uint64) machine {
	return machine{
		cfg:       cfg,
		tag:       tag,
		first:     gen,
		gen:       gen,
		changedAt: now,
		win:       newWindow(*cfg, now),
	}
}

// token is the token of a permit of the current generation.
func (m *machine) token(ticket uint16) uint64 {
	return m.tag | uint64(uint32(m.gen))<<ticketBits | uint64(ticket)
}

// setState moves to s, bumps the generation and records the transition.
// The trials still in flight become pending.
func (m *machine) setState(s State, reason string, now time.Time) {
	from := m.state
	for _, l := range m.leases {
		if l.busy {
			m.pend(m.token(l.ticket), false)
		}
	}
	m.state = s
	m.gen++
	m.changedAt = now
	clear(m.leases)
	m.busy = 0
	m.placed = 0
	if m.runs != nil {
		*m.runs = [runMemory]failRun{}
	}
	m.trials, m.trialsSlow = 0, 0
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
		return decision{ok: true, token: m.token(0)}
	case m.mode == ForcedOpen:
		m.reject()
		return decision{reason: refusedForced}
	}
	switch m.state {
	case Closed:
		return decision{ok: true, token: m.token(0)}
	case Open:
		m.reject()
		return decision{reason: refusedOpen, retry: m.openUntil.Sub(now)}
	}
	if m.leases == nil {
		m.leases = make([]lease, m.cfg.HalfOpenMaxCalls)
	}
	for i := range m.leases {
		if !m.leases[i].busy && m.busy < m.cfg.HalfOpenMaxCalls { // fewer after Reconfigure
			t := m.nextTicket()
			m.leases[i] = lease{busy: true, ticket: t, deadline: now.Add(m.cfg.HalfOpenLease)}
			m.busy++
			return decision{ok: true, token: m.token(t)}
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
// failure, which opens the circuit again; its report, when it comes, is not
// counted again).
func (m *machine) expire(now time.Time) {
	if m.mode != Normal {
		return
	}
	if m.state == HalfOpen {
		for _, l := range m.leases {
			if l.busy && !now.Before(l.deadline) {
				m.pend(m.token(l.ticket), true)
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

// windowed says whether outcomes go into a window.
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

func (m *machine) countFailure(at time.Time) {
	m.consecFail++
	m.consecSucc = 0
	if at.After(m.lastFailure) {
		m.lastFailure = at
	}
}

// release takes the outcome of one permitted call. Every call is counted
// once; only those of the current generation move the state: a call
// admitted before the circuit last changed state reports too late to
// matter (a late failure does not extend the open period). A report that
// no permit stands behind (a trial released twice) is counted as misuse
// and nothing else.
func (m *machine) release(r report, now time.Time) {
	current := tokGen(r.token) == uint32(m.gen)
	if tokTicket(r.token) != 0 && !m.endTrial(r.token, current) {
		return
	}
	at := r.at
	if at.IsZero() {
		at = now
	}
	if r.counted {
		return
	}
	slow := m.cfg.SlowCallDuration > 0 && r.latency >= m.cfg.SlowCallDuration
	switch r.outcome {
	case messages.Success:
		m.succeeded++
	case messages.Failure:
		m.failed++
	default:
		m.ignored++
		return
	}
	m.total++
	if slow {
		m.slow++
	}
	if !current {
		return
	}
	fail := r.outcome == messages.Failure
	switch m.state {
	case Closed:
		m.judge(m.place(fail, slow, r.seq, at), now)
	case HalfOpen:
		if fail {
			m.countFailure(at)
		} else {
			m.consecSucc++
			m.consecFail = 0
		}
		m.trials++
		if slow {
			m.trialsSlow++
		}
		c := m.cfg
		switch {
		case m.mode != Normal:
		case fail:
			m.setState(Open, ReasonTrialFailed, now)
		case c.OpenAtSlowCallRate > 0 && float64(m.trialsSlow) >= c.OpenAtSlowCallRate*float64(m.trials):
			m.setState(Open, ReasonSlowCallRate, now)
		case m.consecSucc >= c.SuccessThreshold:
			m.setState(Closed, ReasonSuccessThreshold, now)
		}
	}
}

// judge opens the circuit if a trigger fires, in Normal mode: a run of
// failures of length run, or a rate of the window.
func (m *machine) judge(run int, now time.Time) {
	if m.mode != Normal || m.state != Closed {
		return
	}
	if r := m.tripped(run); r != "" {
		m.setState(Open, r, now)
	}
}

// tripped says why the circuit should open now, or "": run is the length
// of the run of failures just extended (0: none).
func (m *machine) tripped(run int) string {
	c := m.cfg
	if c.FailureThreshold > 0 && run >= c.FailureThreshold {
		return ReasonFailureThreshold
	}
	if !c.rates() {
		return ""
	}
	fail, slow, ok := m.win.rates(c.MinimumCalls)
	switch {
	case !ok:
		return ""
	case c.OpenAtFailureRate > 0 && fail >= c.OpenAtFailureRate:
		return ReasonFailureRate
	case c.OpenAtSlowCallRate > 0 && slow >= c.OpenAtSlowCallRate:
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
		Succeeded:            m.succeeded,
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
		Misused:              m.misused,
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
