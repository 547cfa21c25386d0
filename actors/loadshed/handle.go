package loadshed

import (
	"context"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

type prio = messages.Priority

type behavior = engine.Behavior[request, reply]

// Shedder is a load shedder: see the package doc. It is safe for
// concurrent use; its actor stops with the engine, after which every call
// returns messages.ErrStopped.
type Shedder struct {
	eng    *engine.Engine
	name   string
	cfg    Config
	max    int
	signal Signal
	actor  *engine.Actor[request, reply]
	// permits is the pool of slots: it grants at most MaxInFlight permits
	// at once and records each until it is released.
	permits *waitq.Ledger

	waiting atomic.Int64  // owner-written: queue length
	level   atomic.Uint32 // owner-written: last published LoadLevel
	dirty   atomic.Bool   // a caller saw the level move; the owner clears it
	shed    [nReasons]atomic.Uint64

	// Owner only.
	q       queue
	waiters map[uint64]chan grant
	next    uint64
}

var _ engine.Guard = (*Shedder)(nil)

// Stats is a value copy of a shedder's figures.
type Stats struct {
	// Name is the shedder's name.
	Name string
	// InFlight is the number of calls admitted and not yet released, out
	// of MaxInFlight.
	InFlight, MaxInFlight int
	// Queued is the number of waiters, out of MaxQueue.
	Queued, MaxQueue int
	// Level is the load level: the higher of utilisation's and Signal's.
	Level LoadLevel
	// SignalLevel is the Signal's level (LevelNormal without one).
	SignalLevel LoadLevel
	// Utilization is InFlight / MaxInFlight in percent.
	Utilization float64
	// Shed counts every call shed; ShedBy counts them by reason.
	Shed   uint64
	ShedBy map[string]uint64
	// Misused counts Releases of a permit that was not held (released
	// already, the zero Permit, a permit of another instance): each freed
	// nothing, and each is a bug in the caller.
	Misused uint64
}

var reasons = [...]string{ReasonLowPriority, ReasonSignal, ReasonAtCapacity, ReasonQueueFull, ReasonDisplaced}

const nReasons = len(reasons)

// New returns the shedder called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults) returns the same Shedder; a different Config is a
// *supervisor.ConflictError, and one out of its bounds a
// *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Shedder, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return engine.Spawn(context.Background(), eng, Kind, name, full, func() (*Shedder, supervisor.Service, error) {
		s := &Shedder{eng: eng, name: name, cfg: full, max: full.MaxInFlight, signal: full.Signal,
			permits: waitq.NewLimitedLedger(full.MaxInFlight), waiters: map[uint64]chan grant{}}
		s.q.max = full.MaxQueue
		s.actor = engine.NewActor(0, s.newOwner)
		return s, s.actor, nil
	})
}

// Name returns the shedder's name.
func (s *Shedder) Name() string { return s.name }

// Acquire is shorthand for AcquirePriority(ctx, messages.Normal).
func (s *Shedder) Acquire(ctx context.Context) (engine.Permit, error) {
	return s.AcquirePriority(ctx, messages.Normal)
}

// AcquirePriority asks to start one call of priority p now. It returns a
// Permit to hand to Release, or a *messages.RejectedError wrapping ErrShed
// (see the package doc for who is shed when), ctx.Err() if ctx ends while
// the call waits in the queue, or messages.ErrStopped. A priority outside
// Low..Critical counts as Normal.
func (s *Shedder) AcquirePriority(ctx context.Context, p messages.Priority) (engine.Permit, error) {
	if err := s.actor.Err(); err != nil {
		return engine.Permit{}, err
	}
	if err := ctx.Err(); err != nil {
		return engine.Permit{}, err
	}
	if p < messages.Low || p > messages.Critical {
		p = messages.Normal
	}
	inflight := s.inflight()
	sig := LevelNormal
	if inflight > 0 { // an idle shedder does not shed for its Signal
		sig = s.signalLevel()
	}
	if r := shedFor(p, LevelOf(inflight, s.max), sig); r != "" {
		return engine.Permit{}, s.shedding(p, r)
	}
	if s.waiting.Load() == 0 {
		if t, ok := s.permits.TryGrant(); ok {
			return s.admitted(p, t), nil
		}
	}
	if p == messages.Low {
		return engine.Permit{}, s.shedding(p, ReasonAtCapacity)
	}
	return s.wait(ctx, p)
}

// wait queues the call with the actor and waits for its verdict.
func (s *Shedder) wait(ctx context.Context, p messages.Priority) (engine.Permit, error) {
	ch := make(chan grant, 1)
	// The enqueue itself is never abandoned (the actor answers at once): a
	// waiter the actor queued always learns its id, so it can leave.
	r, err := s.actor.Ask(context.WithoutCancel(ctx), enqueue{p: p, ch: ch})
	if err != nil {
		return engine.Permit{}, err
	}
	switch {
	case r.granted:
		return s.admitted(p, r.token), nil
	case !r.queued:
		return engine.Permit{}, s.shedding(p, r.reason)
	}
	select {
	case g := <-ch:
		return s.verdict(p, g)
	case <-ctx.Done():
		lr, err := s.actor.Ask(context.WithoutCancel(ctx), leave{id: r.id})
		if err == nil && lr.removed {
			return engine.Permit{}, ctx.Err()
		}
		// The verdict was sent before our leave was handled (or the actor
		// stopped): a slot granted meanwhile goes back.
		select {
		case g := <-ch:
			if g.ok {
				s.giveBack(g.token)
			}
		default:
		}
		return engine.Permit{}, ctx.Err()
	case <-s.actor.Done():
		return engine.Permit{}, s.actor.Err()
	}
}

func (s *Shedder) verdict(p messages.Priority, g grant) (engine.Permit, error) {
	if !g.ok {
		return engine.Permit{}, s.shedding(p, ReasonDisplaced)
	}
	return s.admitted(p, g.token), nil
}

// Release gives the slot of p back; the outcome is not used. A permit is a
// token: releasing one that is not held — released already, the zero
// Permit, a permit of another instance — frees nothing and is counted in
// Stats.Misused. It never blocks.
func (s *Shedder) Release(p engine.Permit, _ messages.Outcome) { s.giveBack(p.Token) }

// giveBack puts the slot of token back into the pool and kicks the actor
// when callers wait.
func (s *Shedder) giveBack(token uint64) {
	if !s.permits.Redeem(token) {
		return
	}
	// Give the slot back first, look for waiters second (see enqueue).
	if s.waiting.Load() > 0 {
		s.actor.TryTell(kick{})
		return
	}
	s.noteLevel(s.inflight())
}

// Execute is shorthand for ExecutePriority(ctx, messages.Normal, fn).
func (s *Shedder) Execute(ctx context.Context, fn func(context.Context) error) error {
	return s.ExecutePriority(ctx, messages.Normal, fn)
}

// ExecutePriority runs fn under a slot of priority p: it acquires, calls
// fn and releases, also when fn panics (released as a failure; the panic
// goes on). A nil fn is an error wrapping messages.ErrInvalidConfig.
func (s *Shedder) ExecutePriority(ctx context.Context, p messages.Priority, fn func(context.Context) error) error {
	g := priorityGuard{s, p}
	return engine.Run(ctx, g, nil, fn)
}

// priorityGuard acquires s's slots at one priority.
type priorityGuard struct {
	s *Shedder
	p messages.Priority
}

func (g priorityGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	return g.s.AcquirePriority(ctx, g.p)
}

func (g priorityGuard) Release(p engine.Permit, o messages.Outcome) { g.s.Release(p, o) }

// Do runs fn under a Normal slot of s and returns its result; a panic in
// fn releases the slot and goes on. A nil fn is an error wrapping
// messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, s *Shedder, fn func(context.Context) (T, error)) (T, error) {
	var v T
	if fn == nil {
		return v, errNilFunc
	}
	err := engine.Run(ctx, s, nil, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}

// Stats returns the shedder's figures; it asks the actor for the queue's
// length.
func (s *Shedder) Stats(ctx context.Context) (Stats, error) {
	r, err := s.actor.Ask(ctx, getStats{})
	if err != nil {
		return Stats{}, err
	}
	inflight := s.inflight()
	st := Stats{Name: s.name, InFlight: inflight, MaxInFlight: s.max, Queued: r.n, MaxQueue: s.cfg.MaxQueue,
		Level: s.levelAt(inflight), SignalLevel: s.signalLevel(),
		Utilization: float64(inflight) * 100 / float64(s.max), ShedBy: make(map[string]uint64, nReasons),
		Misused: s.permits.Misused()}
	for i, reason := range reasons {
		n := s.shed[i].Load()
		st.Shed += n
		st.ShedBy[reason] = n
	}
	return st, nil
}

func (s *Shedder) inflight() int { return s.permits.Held() }

func (s *Shedder) signalLevel() LoadLevel {
	if s.signal == nil {
		return LevelNormal
	}
	return s.signal.Level()
}

func (s *Shedder) levelAt(inflight int) LoadLevel {
	return max(LevelOf(inflight, s.max), s.signalLevel())
}

// noteLevel asks the actor to publish a level change, once until it has.
func (s *Shedder) noteLevel(inflight int) {
	if s.levelAt(inflight) != LoadLevel(s.level.Load()) && !s.dirty.Load() && s.dirty.CompareAndSwap(false, true) {
		s.actor.TryTell(kick{})
	}
}

// admitted records a grant whose slot the caller took: it issues the
// permit and publishes request_accepted (Count: in-flight, Max:
// MaxInFlight, Key: priority, NewState: load level).
func (s *Shedder) admitted(p messages.Priority, token uint64) engine.Permit {
	permit := engine.Permit{Token: token}
	inflight := s.inflight()
	s.noteLevel(inflight)
	if s.eng.Events().HasSubscribers() {
		s.eng.Publish(eventstream.Event{Type: eventstream.EventRequestAccepted, Pattern: Kind, Name: s.name,
			Fields: eventstream.Fields{Key: p.String(), Count: int64(inflight), Max: int64(s.max),
				NewState: s.levelAt(inflight).String()}})
	}
	return permit
}

// shedding counts a rejection, publishes request_shed (as request_accepted
// plus Reason) and returns the error.
func (s *Shedder) shedding(p messages.Priority, reason string) error {
	for i, r := range reasons {
		if r == reason {
			s.shed[i].Add(1)
		}
	}
	if s.eng.Events().HasSubscribers() {
		inflight := s.inflight()
		s.eng.Publish(eventstream.Event{Type: eventstream.EventRequestShed, Pattern: Kind, Name: s.name,
			Fields: eventstream.Fields{Key: p.String(), Reason: reason, Count: int64(inflight), Max: int64(s.max),
				NewState: s.levelAt(inflight).String()}})
	}
	return s.rejected(reason)
}
