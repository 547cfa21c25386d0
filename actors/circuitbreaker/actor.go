package circuitbreaker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// op names a request to the breaker's actor. The requests are a closed set
// carried in one concrete struct rather than an interface of marker-method
// structs: boxing a report into an interface would cost an allocation on
// every call.
type op uint8

const (
	opReport   op = iota // a permitted call ended (one-way)
	opRejected           // a caller was rejected from the snapshot (one-way)
	opTick               // the timer fired: expire leases, recover, move the window (one-way)
	opFlush              // a success counter is filling: collect them (one-way)
	opCells              // the first call: allocate the striped cells
	opAcquire            // half-open admission: one atomic decision
	opStats
	opReset
	opMode
	opReconfigure
)

// request is a message to the actor. It is three words: the actor's idle
// loop holds one in its frame, and a larger one would double the stack an
// idle breaker keeps (a report travels by pointer, recycled in reports).
type request struct {
	op   op
	mode Mode
	rep  *report // opReport: from reports, which the actor gives it back to
	cfg  *Config // opReconfigure: with defaults, valid
}

// reports recycles the reports of opReport requests.
var reports = sync.Pool{New: func() any { return new(report) }}

// reply answers an Ask.
type reply struct {
	d     decision
	stats *Stats // only for opStats, from statsReplies: keeps the reply of every other message small
}

// statsReplies recycles the Stats of opStats replies: the actor takes one,
// Stats gives it back once it has copied it.
var statsReplies = sync.Pool{New: func() any { return new(Stats) }}

// path says what Acquire does with a snapshot, without a round trip.
type path uint8

const (
	pathAdmit  path = iota // CLOSED or Disabled: grant at once
	pathOpen               // OPEN: reject until openUntil, then ask
	pathForced             // ForcedOpen: reject
	pathAsk                // HALF_OPEN: ask the actor
)

// snapshot is the read-only view the owner publishes after every change of
// generation or of the striped counters' phase. Never modified after
// publishing.
type snapshot struct {
	gen       uint64
	state     State
	mode      Mode
	path      path
	openUntil time.Time
	// phase tags the striped counters; before is how many successes of the
	// generation earlier phases counted.
	phase  uint32
	before uint64
	// timed: a time-based window is counting; the counters take the
	// successes that end in bucket epoch of the window that began at
	// winBase, any other goes to the actor with its time.
	timed   bool
	epoch   int64
	winBase time.Time
	width   time.Duration // of the window's buckets
}

// owner is the actor's behaviour: it owns the machine, publishes the
// snapshot, arms the timer and publishes events.
type owner struct {
	b       *Breaker
	m       *machine // &machine once the run has made it (see init), nil before
	machine machine
	timer   engine.Timer
	armed   time.Time // deadline the timer is set for (zero: none)
	epoch   int64     // the window bucket the counters' phase counts for
	stopped atomic.Bool
}

func (b *Breaker) newOwner() kernel.Behavior[request, reply] {
	o := &owner{b: b}
	switch s := b.snap.Load(); {
	case b.started.Swap(true):
		o.init(s.gen + 1) // after a restart, reports of the old life are stale
	case s.timed:
		o.init(s.gen) // its timer collects at each bucket boundary from now
	}
	// Otherwise the first run makes its machine at its first message: the
	// goroutine of a breaker never called starts with nothing to build,
	// and its stack stays at its smallest. (Its first caller always sends
	// one: the actor allocates the striped counters.)
	return o
}

// init makes the machine at generation gen (New published generation 1
// before the first run) and publishes its view.
func (o *owner) init(gen uint64) {
	b := o.b
	now := b.clock.Now()
	o.machine = machineOf(b.cfg.Load(), now, gen, b.tag)
	o.m = &o.machine
	if gen != b.snap.Load().gen {
		o.m.late(b.cells.retag()) // successes of the old life not yet collected
	}
	o.publish()
	o.arm(now) // a time-based window collects at each bucket boundary
}

// reportTime is the time a report is handled at: read from the clock only
// when the machine or an event may need it (a failure, a state other than
// CLOSED, a rate window, a subscriber); a success in CLOSED with only the
// consecutive trigger cannot change the state, and costs no clock read.
func (o *owner) reportTime(r report) time.Time {
	if r.outcome == messages.Failure || o.m.state != Closed || o.m.cfg.rates() || o.b.eng.Events().HasSubscribers() {
		return o.b.clock.Now()
	}
	return time.Time{}
}

// Stop releases the timer when the loop ends.
func (o *owner) Stop() {
	o.stopped.Store(true)
	if o.timer != nil {
		o.timer.Stop()
	}
}

// tick runs on the clock's goroutine and only posts a message.
func (o *owner) tick() {
	if !o.stopped.Load() {
		_ = o.b.actor.Tell(request{op: opTick})
	}
}

// Receive handles one request in the actor's goroutine.
func (o *owner) Receive(r request) (reply, error) {
	if o.m == nil {
		o.init(o.b.snap.Load().gen)
	}
	m := o.m
	var out reply
	var now time.Time
	switch r.op {
	case opReport:
		rep := *r.rep
		reports.Put(r.rep)
		if rep.token&kindBit != 0 && !o.unhold(&rep) {
			return out, nil
		}
		now = o.reportTime(rep)
		o.collect(now) // the report's seq places it among them
		old := m.state
		m.release(rep, now)
		o.after(now)
		o.callEvent(old, rep, now)
		return out, nil
	case opRejected:
		m.reject()
		if o.b.eng.Events().HasSubscribers() {
			now = o.b.clock.Now()
			reason, retry := ReasonOpen, max(m.openUntil.Sub(now), 0)
			if m.mode == ForcedOpen {
				reason, retry = ReasonForcedOpen, 0
			}
			o.rejectEvent(reason, retry, now)
		}
		return out, nil
	case opTick:
		o.armed = time.Time{}
		now = o.b.clock.Now()
		o.collect(now)
		m.expire(now)
		m.advance(now)
	case opFlush:
		now = o.b.clock.Now()
		o.collect(now)
		o.rephase(now)
	case opCells:
		o.b.cells.ensure()
		return out, nil
	case opAcquire:
		o.b.cells.ensure()
		now = o.b.clock.Now()
		out.d = m.acquire(now)
		if out.d.ok && tokTicket(out.d.token) == 0 {
			out.d.token = o.hold(out.d.token)
		}
		if !out.d.ok {
			defer o.rejectEvent(out.d.reason.String(), out.d.retry, now)
		}
	case opStats:
		now = o.b.clock.Now()
		o.collect(now)
		m.expire(now)
		st := statsReplies.Get().(*Stats)
		*st = m.stats(now)
		st.Name = o.b.name
		st.Misused += o.b.misused.Load()
		out.stats = st
	case opReset:
		now = o.b.clock.Now()
		o.collect(now)
		m.reset(now)
	case opMode:
		now = o.b.clock.Now()
		o.collect(now)
		m.setMode(r.mode, now)
	case opReconfigure:
		o.reconfigure(r.cfg, o.b.clock.Now())
		return out, nil
	}
	o.after(now)
	return out, nil
}

// hold keeps a permit of CLOSED or Disabled that the machine granted
// (every slot was taken) and returns its token: a serial the actor holds
// until its Release.
func (o *owner) hold(tok uint64) uint64 {
	b := o.b
	if b.held == nil {
		b.held = make(map[uint64]uint32)
	}
	for {
		b.serial = (b.serial + 1) & serialMask
		if _, taken := b.held[b.serial]; !taken {
			b.held[b.serial] = tokGen(tok)
			return b.tag | kindBit | actorCell<<cellShift | b.serial
		}
	}
}

// unhold ends the permit the actor held for r and turns r's token into its
// generation's; false when the actor holds no such permit (misuse).
func (o *owner) unhold(r *report) bool {
	b := o.b
	k := r.token & serialMask
	gen, ok := b.held[k]
	if !ok {
		b.misused.Add(1)
		return false
	}
	delete(b.held, k)
	if gen != r.gen {
		r.seq = 0 // released in a later generation: it moves nothing
	}
	r.token = b.tag | uint64(gen)<<ticketBits
	return true
}

// collect applies the successes the striped counters took since it last
// looked, as successes of the current generation (every cell carries its
// phase: after re-tags them at each change) in the bucket the phase counts
// for. They publish no call_success event: a success whose event a
// subscriber wants sends a report for it as well. A count grown large
// starts a new phase.
func (o *owner) collect(now time.Time) {
	n, large := o.b.cells.collect()
	o.m.succeed(n, o.epoch, now)
	if large {
		o.rephase(now)
	}
}

// rephase moves the counters to a new phase of the same generation (a new
// bucket, or counts back to zero) and publishes it.
func (o *owner) rephase(now time.Time) {
	o.m.succeed(o.b.cells.retag(), o.epoch, now)
	o.publish()
}

// after publishes what changed: events for transitions, the counters
// re-tagged and a new snapshot (also when a time-based window moved to a
// new bucket), the timer for the next deadline.
func (o *owner) after(now time.Time) {
	m := o.m
	if len(m.trans) == 0 && m.windowed() && m.win.timed && m.win.last != o.epoch {
		o.rephase(now) // the window moved on (a tick, Stats, a report's time): the counters take the new bucket
	}
	if len(m.trans) == 0 {
		if m.state != Closed || m.cfg.rates() {
			o.arm(now) // a trial lease may have been taken or returned; the window moved
		}
		return
	}
	if o.b.eng.Events().HasSubscribers() {
		for _, t := range m.trans {
			o.transitionEvents(t, now)
		}
	}
	m.trans = m.trans[:0]
	// Before the snapshot: no permit of the new generation meets a cell of
	// the old. The successes the cells took since the last collect raced
	// the change: late, as their reports would have been.
	m.late(o.b.cells.retag())
	o.publish()
	o.arm(now)
}

// publish makes the machine's state the snapshot callers read (the one
// they read already, if it is the same: the first run's machine finds the
// one New published).
func (o *owner) publish() {
	m := o.m
	s := snapshot{gen: m.gen, state: m.state, mode: m.mode, openUntil: m.openUntil,
		phase: o.b.cells.phase, before: m.placed}
	if m.windowed() && m.win.timed {
		s.timed, s.epoch, s.winBase, s.width = true, m.win.last, m.win.base, m.win.width
	}
	o.epoch = m.win.last
	o.b.hot.Store(uint64(uint32(m.gen))<<32 | uint64(s.phase))
	switch {
	case m.mode == Disabled || (m.mode == Normal && m.state == Closed):
		s.path = pathAdmit
	case m.mode == ForcedOpen:
		s.path = pathForced
	case m.state == Open:
		s.path = pathOpen
	default:
		s.path = pathAsk
	}
	if cur := o.b.snap.Load(); cur != nil && *cur == s {
		return
	}
	p := new(snapshot)
	*p = s
	o.b.snap.Publish(p)
}

// arm sets the timer for the machine's next deadline. A deadline already
// due is handled at once (a fake clock would fire a timer reset to zero in
// this goroutine).
func (o *owner) arm(now time.Time) {
	dl := o.m.nextDeadline()
	if dl.Equal(o.armed) {
		return
	}
	o.armed = dl
	if dl.IsZero() {
		if o.timer != nil {
			o.timer.Stop()
		}
		return
	}
	d := dl.Sub(now)
	if d <= 0 {
		d = 1
	}
	if o.timer == nil {
		o.timer = o.b.clock.AfterFunc(d, o.tick)
		return
	}
	o.timer.Reset(d)
}

func (o *owner) publishEvent(t eventstream.Type, f eventstream.Fields, now time.Time) {
	o.b.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: o.b.name, Time: now, Fields: f})
}

func (o *owner) transitionEvents(t transition, now time.Time) {
	m := o.m
	f := eventstream.Fields{
		OldState: t.from.String(),
		NewState: t.to.String(),
		Reason:   t.reason,
		Count:    int64(m.consecFail),
	}
	if t.reset {
		o.publishEvent(eventstream.EventCircuitReset, f, now)
		if t.from == t.to {
			return
		}
	}
	o.publishEvent(eventstream.EventStateChange, f, now)
	switch t.to {
	case Open:
		if m.mode == Normal {
			f.Delay = m.cfg.RecoveryTimeout
		}
		o.publishEvent(eventstream.EventCircuitOpened, f, now)
	case Closed:
		o.publishEvent(eventstream.EventCircuitClosed, f, now)
	}
}

func (o *owner) callEvent(old State, r report, now time.Time) {
	if r.outcome == messages.Ignored || !o.b.eng.Events().HasSubscribers() {
		return
	}
	m := o.m
	f := eventstream.Fields{OldState: old.String(), NewState: m.state.String(), Elapsed: r.latency}
	t := eventstream.EventCallSuccess
	f.Count = int64(m.consecSucc)
	if r.counted { // the run as it stood at this success
		f.Count = max(1, f.Count-int64(m.placed-min(r.seq, m.placed)))
	}
	if r.outcome == messages.Failure {
		t = eventstream.EventCallFailure
		f.Count = int64(m.consecFail)
	}
	o.publishEvent(t, f, now)
}

func (o *owner) rejectEvent(reason string, retry time.Duration, now time.Time) {
	if !o.b.eng.Events().HasSubscribers() {
		return
	}
	s := o.m.state.String()
	o.publishEvent(eventstream.EventCallRejected, eventstream.Fields{
		OldState: s, NewState: s, Reason: reason, Delay: retry, Count: int64(o.m.rejected),
	}, now)
}
