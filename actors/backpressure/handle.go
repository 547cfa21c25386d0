package backpressure

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

type behavior = engine.Behavior[request, reply]

// Manager applies backpressure: see the package doc. It is safe for
// concurrent use; its actor stops with the engine, after which every call
// returns messages.ErrStopped.
type Manager struct {
	gate // the fast path, on a cache line of its own

	eng     *engine.Engine
	name    string
	cfg     Config
	actor   *engine.Actor[request, reply]
	permits *waitq.Ledger // every permit granted and not yet released

	released atomic.Int64 // items released through the owner, not yet folded in
	// cancelledEarly counts calls whose context had ended before they
	// asked (the owner never saw them; Stats adds them to Cancelled).
	cancelledEarly atomic.Uint64

	// Owner only.
	st      state
	closed  bool // the gate is closed: st.pending is the count
	waiters map[uint64]chan struct{}
	next    uint64
}

var _ engine.Guard = (*Manager)(nil)

// New returns the manager called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults) returns the same Manager; a different Config is a
// *supervisor.ConflictError, and one out of its bounds a
// *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Manager, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return engine.Spawn(context.Background(), eng, Kind, name, full, func() (*Manager, supervisor.Service, error) {
		m := &Manager{eng: eng, name: name, cfg: full, st: newState(full), permits: waitq.NewLedger(),
			waiters: map[uint64]chan struct{}{}}
		m.high = uint64(full.HighWaterMark)
		m.actor = engine.NewActor(0, m.newOwner)
		return m, m.actor, nil
	})
}

// Name returns the manager's name.
func (m *Manager) Name() string { return m.name }

// Acquire is shorthand for AcquireWait(ctx, Config.MaxWait).
func (m *Manager) Acquire(ctx context.Context) (engine.Permit, error) {
	return m.AcquireWait(ctx, m.cfg.MaxWait)
}

// AcquireWait adds one pending item. While backpressure is on it waits in
// the queue for at most wait (0: not at all; UntilCanceled: until ctx
// ends). It returns a Permit to hand to Release exactly once, or a
// *messages.RejectedError wrapping ErrBackpressure, ctx.Err() if ctx is
// done or ends while the call waits, or messages.ErrStopped. When it
// returns an error the caller holds no item.
func (m *Manager) AcquireWait(ctx context.Context, wait time.Duration) (engine.Permit, error) {
	if err := ctx.Err(); err != nil {
		m.cancelledEarly.Add(1)
		return engine.Permit{}, err
	}
	if m.actor.Err() == nil && m.take() {
		return m.grant(), nil
	}
	return m.decide(ctx, wait)
}

// decide is AcquireWait's slow path: the actor admits, queues or rejects
// the call, and a queued call waits for its admission.
func (m *Manager) decide(ctx context.Context, wait time.Duration) (engine.Permit, error) {
	var ch chan struct{}
	if wait != 0 {
		ch = make(chan struct{}, 1)
	}
	// The acquire itself is never abandoned (the actor answers at once): a
	// caller the actor queued always learns its id, so it can leave.
	r, err := m.actor.Ask(context.Background(), acquire{ch: ch})
	switch {
	case err != nil:
		return engine.Permit{}, err
	case r.granted:
		return m.grant(), nil
	case !r.queued:
		return engine.Permit{}, m.rejectedError(r.reason)
	}
	var expired <-chan time.Time
	if wait > 0 {
		t := m.eng.Clock().NewTimer(wait)
		defer t.Stop()
		expired = t.C()
	}
	select {
	case <-ch:
		return m.grant(), nil
	case <-ctx.Done():
		return engine.Permit{}, m.leave(r.id, ch, false, ctx.Err())
	case <-expired:
		return engine.Permit{}, m.leave(r.id, ch, true, m.rejectedError(ReasonWaitTimeout))
	case <-m.actor.Done():
		return engine.Permit{}, m.actor.Err()
	}
}

// leave takes a waiter out of the queue (tell the actor, wait for its
// answer); an admission that raced in is released at once. It returns
// cause, or ErrStopped if the actor stopped.
func (m *Manager) leave(id uint64, ch chan struct{}, timeout bool, cause error) error {
	r, err := m.actor.Ask(context.Background(), leave{id: id, timeout: timeout})
	if err != nil || !r.removed {
		select {
		case <-ch:
			m.giveBack()
		default:
		}
	}
	if err != nil {
		return err
	}
	return cause
}

// grant issues the permit of an admission.
func (m *Manager) grant() engine.Permit { return engine.Permit{Token: m.permits.Grant()} }

// Release takes the pending item of p away; the outcome is not used. A
// permit is a token: releasing one that is not held — released already,
// the zero Permit, a permit of another instance — takes nothing away and
// is counted in Stats.Misused. It never blocks: while the gate is open it
// takes the item off the count by compare-and-swap; while it is closed the
// item goes into an atomic that the actor folds in, and the actor is
// nudged without waiting (when its mailbox is full it is busy and folds
// the count in after that batch).
func (m *Manager) Release(p engine.Permit, _ messages.Outcome) {
	if m.permits.Redeem(p.Token) {
		m.giveBack()
	}
}

// giveBack takes one pending item away.
func (m *Manager) giveBack() {
	if m.give() {
		return
	}
	m.released.Add(1)
	m.actor.TryTell(nudge{})
}

// Execute runs fn under one pending item: it acquires, calls fn and
// releases, also when fn panics (the panic goes on). A nil fn is an error
// wrapping messages.ErrInvalidConfig.
func (m *Manager) Execute(ctx context.Context, fn func(context.Context) error) error {
	return engine.Run(ctx, m, nil, fn)
}

// Do runs fn under one pending item of m and returns its result; a panic
// in fn releases the item and goes on. A nil fn is an error wrapping
// messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, m *Manager, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, errNilFunc
	}
	p, err := m.Acquire(ctx)
	if err != nil {
		return zero, err
	}
	defer m.Release(p, messages.Failure)
	return fn(ctx)
}
