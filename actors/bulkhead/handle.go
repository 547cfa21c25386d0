package bulkhead

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

type behavior = engine.Behavior[request, reply]

// Bulkhead limits concurrent calls: see the package doc. It is safe for
// concurrent use; its actor stops with the engine, after which every call
// returns messages.ErrStopped.
type Bulkhead struct {
	eng   *engine.Engine
	name  string
	cfg   Config
	actor *engine.Actor[request, reply]
	// permits is the pool of slots: it grants at most MaxConcurrent
	// permits at once and records each until it is released.
	permits *waitq.Ledger

	// Read on every Acquire and Release, written rarely: kept off the
	// ledger's line that every grant writes.
	waiting atomic.Int64 // owner-written: queue length

	cancelled atomic.Uint64
	rejected  [nReasons]atomic.Uint64
	// unclaimed counts grants handed to a waiter that had left: granted
	// by the ledger, given back, not accepted.
	unclaimed atomic.Uint64

	// Owner only.
	q       fifo
	waiters map[uint64]chan uint64
	next    uint64
}

var _ engine.Guard = (*Bulkhead)(nil)

// New returns the bulkhead called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults: Config{} and Config{MaxConcurrent: 10} are the same) returns
// the same Bulkhead; a different Config is a *supervisor.ConflictError
// (the original silently ignored the new parameters). A Config out of its
// bounds is a *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Bulkhead, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return engine.Spawn(context.Background(), eng, Kind, name, full, func() (*Bulkhead, supervisor.Service, error) {
		b := &Bulkhead{eng: eng, name: name, cfg: full, permits: waitq.NewLimitedLedger(full.MaxConcurrent),
			waiters: map[uint64]chan uint64{}}
		b.actor = engine.NewActor(0, b.newOwner)
		return b, b.actor, nil
	})
}

// Name returns the bulkhead's name.
func (b *Bulkhead) Name() string { return b.name }

// Acquire asks for a slot. It returns a Permit to hand to Release exactly
// once (a permit is a token: see Release), or a *messages.RejectedError wrapping ErrFull (ReasonQueueFull or
// ReasonWaitTimeout), ctx.Err() if ctx ends while the call waits in the
// queue, or messages.ErrStopped. When it returns an error the caller holds
// no slot.
func (b *Bulkhead) Acquire(ctx context.Context) (engine.Permit, error) {
	if b.waiting.Load() == 0 && b.actor.Err() == nil {
		if t, ok := b.permits.TryGrant(); ok {
			return b.admitted(t), nil
		}
	}
	return b.wait(ctx)
}

// TryAcquire is Acquire without waiting: it takes a free slot when nobody
// waits for one, and reports whether it did. It counts nothing when it
// fails.
func (b *Bulkhead) TryAcquire() (engine.Permit, bool) {
	if b.waiting.Load() == 0 && b.actor.Err() == nil {
		if t, ok := b.permits.TryGrant(); ok {
			return b.admitted(t), true
		}
	}
	return engine.Permit{}, false
}

// wait is Acquire's slow path: it asks the actor for a slot or a place in
// the queue, and waits for the grant.
func (b *Bulkhead) wait(ctx context.Context) (engine.Permit, error) {
	if err := b.actor.Err(); err != nil {
		return engine.Permit{}, err
	}
	if b.cfg.MaxWaiting == 0 {
		return engine.Permit{}, b.reject(ReasonQueueFull)
	}
	if err := ctx.Err(); err != nil {
		b.cancelled.Add(1) // it would have waited: counted as a wait that ended
		return engine.Permit{}, err
	}
	ch := make(chan uint64, 1)
	// The enqueue itself is never abandoned (the actor answers at once): a
	// caller the actor queued always learns its id, so it can leave.
	r, err := b.actor.Ask(context.Background(), enqueue{ch: ch})
	switch {
	case err != nil:
		return engine.Permit{}, err
	case r.granted:
		return b.admitted(r.token), nil
	case !r.queued:
		return engine.Permit{}, b.reject(ReasonQueueFull)
	}
	var expired <-chan time.Time
	if b.cfg.MaxWait > 0 {
		t := b.eng.Clock().NewTimer(b.cfg.MaxWait)
		defer t.Stop()
		expired = t.C()
	}
	select {
	case t := <-ch:
		return b.admitted(t), nil
	case <-ctx.Done():
		return engine.Permit{}, b.leave(r.id, ch, ctx.Err())
	case <-expired:
		return engine.Permit{}, b.leave(r.id, ch, nil)
	case <-b.actor.Done():
		return engine.Permit{}, b.actor.Err()
	}
}

// leave takes a waiter out of the queue (tell the actor and wait for
// its answer). If a grant was sent before the actor saw the leave, the slot
// goes back. cause is ctx.Err(), or nil for a wait timeout.
func (b *Bulkhead) leave(id uint64, ch chan uint64, cause error) error {
	r, err := b.actor.Ask(context.Background(), leave{id: id})
	if err != nil || !r.removed {
		select {
		case t := <-ch:
			b.unclaimed.Add(1)
			b.giveBack(t)
		default:
		}
	}
	if err != nil && cause == nil {
		return err
	}
	if cause != nil {
		b.cancelled.Add(1)
		return cause
	}
	return b.reject(ReasonWaitTimeout)
}

// Release gives the slot of p back; the outcome is not used. The slot
// goes back to the pool and, when callers wait, the actor hands it to the
// oldest one. A permit is a token: releasing one that is not held —
// released already, the zero Permit, a permit of another instance — frees
// nothing and is counted in Stats.Misused. It never blocks.
func (b *Bulkhead) Release(p engine.Permit, _ messages.Outcome) { b.giveBack(p.Token) }

// giveBack puts the slot of token back into the pool and kicks the actor
// when callers wait: the slot first, the waiters second (see enqueue). If
// the mailbox is full the actor is busy and drains after that batch.
func (b *Bulkhead) giveBack(token uint64) {
	if b.permits.Redeem(token) && b.waiting.Load() > 0 {
		b.actor.TryTell(kick{})
	}
}

// Execute runs fn under a slot: it acquires, calls fn and releases, also
// when fn panics (the panic goes on). It returns the rejection, or fn's
// error; a nil fn is an error wrapping messages.ErrInvalidConfig.
func (b *Bulkhead) Execute(ctx context.Context, fn func(context.Context) error) error {
	return engine.Run(ctx, b, nil, fn)
}

// Do runs fn under a slot of b and returns its result; a panic in fn
// releases the slot and goes on. A nil fn is an error wrapping
// messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, b *Bulkhead, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, errNilFunc
	}
	p, err := b.Acquire(ctx)
	if err != nil {
		return zero, err
	}
	defer b.Release(p, messages.Failure)
	return fn(ctx)
}

// active is the number of slots taken: held by callers, or on their way to
// a waiter.
func (b *Bulkhead) active() int { return b.permits.Held() }

// admitted returns the permit of token, whose slot the caller took, and
// publishes bulkhead_accepted (Count: active slots, Max: MaxConcurrent).
func (b *Bulkhead) admitted(token uint64) engine.Permit {
	if b.eng.Events().HasSubscribers() {
		b.eng.Publish(eventstream.Event{Type: eventstream.EventBulkheadAccepted, Pattern: Kind, Name: b.name,
			Fields: eventstream.Fields{Count: int64(b.active()), Max: int64(b.cfg.MaxConcurrent)}})
	}
	return engine.Permit{Token: token}
}

// reject counts a rejection, publishes bulkhead_rejected (Reason, Count:
// active slots, Max: MaxConcurrent) and returns the error.
func (b *Bulkhead) reject(reason string) error {
	for i, r := range reasons {
		if r == reason {
			b.rejected[i].Add(1)
		}
	}
	if b.eng.Events().HasSubscribers() {
		b.eng.Publish(eventstream.Event{Type: eventstream.EventBulkheadRejected, Pattern: Kind, Name: b.name,
			Fields: eventstream.Fields{Reason: reason, Count: int64(b.active()), Max: int64(b.cfg.MaxConcurrent)}})
	}
	return b.rejectedError(reason)
}
