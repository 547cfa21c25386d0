package loadshed

import (
	"context"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Shedder is a load shedder: see the package doc. It is safe for
// concurrent use; its actor stops with the engine, after which every call
// returns messages.ErrStopped.
type Shedder struct {
	h admit.Handle[Config] // the engine, name, config, waiters and counts
	// permits is the pool of slots: it grants at most MaxInFlight permits
	// (limit) at once and records each until it is released.
	permits *waitq.Ledger
	limit   *waitq.Limit

	level atomic.Uint32 // owner-written: last published LoadLevel
	dirty atomic.Bool   // a caller saw the level move; the owner clears it
}

var _ engine.Guard = (*Shedder)(nil)

// New returns the shedder called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults) returns the same Shedder; a different Config is a
// *supervisor.ConflictError, and one out of its bounds a
// *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Shedder, error) {
	return admit.New(eng, Kind, name, cfg, Config.withDefaults, func(full Config) (*Shedder, *admit.Handle[Config], admit.Setup) {
		lim := waitq.NewLimit(full.MaxInFlight)
		s := &Shedder{permits: lim.Ledger(), limit: lim}
		return s, &s.h, admit.Setup{Permits: s.permits, Policy: admit.Slots[*hooks]{H: (*hooks)(s)},
			Queue: admit.Config{MaxWaiting: full.MaxWaiting, Words: &words}}
	})
}

// words are every shedder's kind and reasons.
var words = admit.Words{Kind: Kind, Full: ReasonQueueFull, Displaced: ReasonDisplaced, Timeout: ReasonWaitTimeout, Reasons: reasons}

// hooks are a shedder's side of its admit.Slots policy: it publishes
// load_level_changed after every message and batch.
type hooks Shedder

func (h *hooks) Limit() *waitq.Limit   { return h.limit }
func (h *hooks) Finished()             { (*Shedder)(h).publishLevel() }
func (h *hooks) GiveBack(token uint64) { (*Shedder)(h).giveBack(token) }

// Name returns the shedder's name.
func (s *Shedder) Name() string { return s.h.Name() }

// Acquire is shorthand for AcquirePriority(ctx, messages.Normal).
func (s *Shedder) Acquire(ctx context.Context) (engine.Permit, error) {
	return s.AcquirePriority(ctx, messages.Normal)
}

// AcquirePriority asks to start one call of priority p now. It returns a
// Permit to hand to Release exactly once, or a *messages.RejectedError
// wrapping ErrShed (see the package doc for who is shed when), ctx.Err()
// if ctx is done or ends while the call waits, or messages.ErrStopped. A
// priority outside Low..Critical counts as Normal. When it returns an
// error the caller holds no slot.
//
// A Low call counts the calls in flight (on every P) only while the
// shedder has more than 60 % of MaxInFlight in slots (made for a peak and
// not parked by a lower MaxInFlight since); a call the
// Signal would shed counts them to tell whether any is. While other calls
// are granted at the same time, a Low call may miss the slots of grants
// still under way: it is shed when more than 60 % of MaxInFlight are held
// throughout the call by grants that had returned before it began, and
// may be admitted above that by at most the grants it races with.
func (s *Shedder) AcquirePriority(ctx context.Context, p messages.Priority) (engine.Permit, error) {
	if err := s.h.Err(); err != nil {
		return engine.Permit{}, err
	}
	if err := ctx.Err(); err != nil {
		return engine.Permit{}, err
	}
	if p < messages.Low || p > messages.Critical {
		p = messages.Normal
	}
	c := s.h.Config()
	if r := s.shedFirst(p, c); r != "" {
		return engine.Permit{}, s.shedding(p, r)
	}
	if s.h.Waiting() == 0 {
		if t, ok := s.permits.TryGrant(); ok {
			return s.admitted(p, t), nil
		}
	}
	switch {
	case p == messages.Low:
		return engine.Permit{}, s.shedding(p, ReasonAtCapacity)
	case c.MaxWaiting == 0:
		return engine.Permit{}, s.shedding(p, ReasonQueueFull)
	}
	return s.h.Counts.Resolve(s.h.Wait(ctx, admit.Call{Tier: tier(p), Wait: c.MaxWait}),
		func(t uint64) engine.Permit { return s.admitted(p, t) },
		func(r string) error { return s.shedding(p, r) })
}

// shedFirst returns why a call of priority p is shed under c before it
// looks for a slot, or "" if it may go on (shedFor): only a Low call needs
// the utilisation level, and only a call shed for the Signal alone whether
// anything is in flight (an idle shedder does not shed for its Signal).
func (s *Shedder) shedFirst(p messages.Priority, c *Config) string {
	util := LevelNormal
	if p == messages.Low && s.busy(c.MaxInFlight) {
		util = s.heldLevel(c.MaxInFlight)
	}
	r := shedFor(p, util, signalOf(c))
	if r != "" && util == LevelNormal && s.idle() {
		return ""
	}
	return r
}

// Release gives the slot of p back; the outcome is not used. A permit is a
// token: releasing one that is not held — released already, the zero
// Permit, a permit of another instance — frees nothing and is counted in
// Stats.Misused. It never blocks.
func (s *Shedder) Release(p engine.Permit, _ messages.Outcome) { s.giveBack(p.Token) }

// giveBack puts the slot of token back into the pool and kicks the actor
// when callers wait: the slot first, the waiters second.
func (s *Shedder) giveBack(token uint64) {
	if !s.permits.Redeem(token) {
		return
	}
	if s.h.Waiting() > 0 {
		s.h.Kick()
		return
	}
	s.noteLevel()
}

// Execute is shorthand for ExecutePriority(ctx, messages.Normal, fn).
func (s *Shedder) Execute(ctx context.Context, fn func(context.Context) error) error {
	return s.ExecutePriority(ctx, messages.Normal, fn)
}

// ExecutePriority runs fn under a slot of priority p: it acquires, calls
// fn and releases, also when fn panics (the panic goes on). A nil fn is an
// error wrapping messages.ErrInvalidConfig. It is engine.Run without the
// outcome, which a shedder does not use.
func (s *Shedder) ExecutePriority(ctx context.Context, p messages.Priority, fn func(context.Context) error) error {
	if fn == nil {
		return errNilFunc
	}
	permit, err := s.AcquirePriority(ctx, p)
	return waitq.Run(ctx, permit.Token, err, s.giveBack, fn)
}

// Do runs fn under a Normal slot of s and returns its result; a panic in
// fn releases the slot and goes on. A nil fn is an error wrapping
// messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, s *Shedder, fn func(context.Context) (T, error)) (T, error) {
	return admit.Do(ctx, s, errNilFunc, fn)
}

// admitted records a grant of token, whose slot the caller took, and
// publishes request_accepted (Count: in-flight, Max: MaxInFlight, Key:
// priority, NewState: load level).
func (s *Shedder) admitted(p messages.Priority, token uint64) engine.Permit {
	s.noteLevel()
	if s.h.Engine().Events().HasSubscribers() {
		inflight := s.inflight()
		s.h.Engine().Publish(eventstream.Event{Type: eventstream.EventRequestAccepted, Pattern: Kind, Name: s.h.Name(),
			Fields: eventstream.Fields{Key: p.String(), Count: int64(inflight), Max: int64(s.h.Config().MaxInFlight),
				NewState: s.levelAt(inflight).String()}})
	}
	return engine.Permit{Token: token}
}

// shedding counts a rejection, publishes request_shed (as request_accepted
// plus Reason) and returns the error.
func (s *Shedder) shedding(p messages.Priority, reason string) error {
	s.h.Counts.Reject(reason)
	if s.h.Engine().Events().HasSubscribers() {
		inflight := s.inflight()
		s.h.Engine().Publish(eventstream.Event{Type: eventstream.EventRequestShed, Pattern: Kind, Name: s.h.Name(),
			Fields: eventstream.Fields{Key: p.String(), Reason: reason, Count: int64(inflight), Max: int64(s.h.Config().MaxInFlight),
				NewState: s.levelAt(inflight).String()}})
	}
	return s.rejected(reason)
}
