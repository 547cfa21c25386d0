package bulkhead

import (
	"context"
	"sync/atomic"
	"time"

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
	max   int64
	actor *engine.Actor[request, reply]

	// Read on every Acquire, written rarely: kept apart from the counters
	// every grant writes, so that the writes do not evict them.
	waiting atomic.Int64 // owner-written: queue length
	peak    atomic.Int64
	_       [48]byte
	// Written on every grant, on one cache line: free is the pool (the
	// number of free slots, 0..max), accepted counts grants.
	free     atomic.Int64
	accepted atomic.Uint64
	_        [48]byte

	cancelled atomic.Uint64
	rejected  [nReasons]atomic.Uint64

	// Owner only.
	q       fifo
	waiters map[uint64]chan struct{}
	next    uint64
}

var _ engine.Guard = (*Bulkhead)(nil)

// New returns the bulkhead called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config returns
// the same Bulkhead; a different Config is a *supervisor.ConflictError
// (the original silently ignored the new parameters).
func New(eng *engine.Engine, name string, cfg Config) (*Bulkhead, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return engine.Spawn(context.Background(), eng, Kind, name, cfg, func() (*Bulkhead, supervisor.Service, error) {
		b := &Bulkhead{eng: eng, name: name, cfg: full, max: int64(full.MaxConcurrent), waiters: map[uint64]chan struct{}{}}
		b.free.Store(b.max)
		b.actor = engine.NewActor(0, b.newOwner)
		return b, b.actor, nil
	})
}

// Name returns the bulkhead's name.
func (b *Bulkhead) Name() string { return b.name }

// Acquire asks for a slot. It returns a Permit to hand to Release exactly
// once, or a *messages.RejectedError wrapping ErrFull (ReasonQueueFull or
// ReasonWaitTimeout), ctx.Err() if ctx ends while the call waits in the
// queue, or messages.ErrStopped. When it returns an error the caller holds
// no slot.
func (b *Bulkhead) Acquire(ctx context.Context) (engine.Permit, error) {
	if b.waiting.Load() == 0 && b.take() {
		if err := b.actor.Err(); err != nil {
			b.put()
			return engine.Permit{}, err
		}
		b.admitted()
		return engine.Permit{}, nil
	}
	return b.wait(ctx)
}

// TryAcquire is Acquire without waiting: it takes a free slot when nobody
// waits for one, and reports whether it did. It counts nothing when it
// fails.
func (b *Bulkhead) TryAcquire() (engine.Permit, bool) {
	if b.waiting.Load() == 0 && b.actor.Err() == nil && b.take() {
		b.admitted()
		return engine.Permit{}, true
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
	ch := make(chan struct{}, 1)
	// The enqueue itself is never abandoned (the actor answers at once): a
	// caller the actor queued always learns its id, so it can leave.
	r, err := b.actor.Ask(context.Background(), enqueue{ch: ch})
	switch {
	case err != nil:
		return engine.Permit{}, err
	case r.granted:
		b.admitted()
		return engine.Permit{}, nil
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
	case <-ch:
		b.admitted()
		return engine.Permit{}, nil
	case <-ctx.Done():
		return engine.Permit{}, b.leave(r.id, ch, ctx.Err())
	case <-expired:
		return engine.Permit{}, b.leave(r.id, ch, nil)
	case <-b.actor.Done():
		return engine.Permit{}, b.actor.Err()
	}
}

// leave takes a waiter out of the queue (habit 6: tell the actor, wait for
// its answer). If a grant was sent before the actor saw the leave, the slot
// goes back. cause is ctx.Err(), or nil for a wait timeout.
func (b *Bulkhead) leave(id uint64, ch chan struct{}, cause error) error {
	r, err := b.actor.Ask(context.Background(), leave{id: id})
	if err != nil || !r.removed {
		select {
		case <-ch:
			b.Release(engine.Permit{}, messages.Ignored)
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

// Release gives a slot back; the outcome is not used. A slot goes back to
// the pool and, when callers wait, the actor hands it to the oldest one.
// Releasing more slots than were granted is ignored (the pool never holds
// more than MaxConcurrent). It never blocks.
func (b *Bulkhead) Release(_ engine.Permit, _ messages.Outcome) {
	if !b.put() {
		return
	}
	// Give the slot back first, look for waiters second (see enqueue). If
	// the mailbox is full the actor is busy and drains after that batch.
	if b.waiting.Load() > 0 {
		b.actor.TryTell(kick{})
	}
}

// Execute runs fn under a slot: it acquires, calls fn and releases, also
// when fn panics (the panic goes on). It returns the rejection, or fn's
// error.
func (b *Bulkhead) Execute(ctx context.Context, fn func(context.Context) error) error {
	p, err := b.Acquire(ctx)
	if err != nil {
		return err
	}
	defer b.Release(p, messages.Failure) // the outcome is not used
	return fn(ctx)
}

// Do runs fn under a slot of b and returns its result; a panic in fn
// releases the slot and goes on.
func Do[T any](ctx context.Context, b *Bulkhead, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	p, err := b.Acquire(ctx)
	if err != nil {
		return zero, err
	}
	defer b.Release(p, messages.Failure)
	return fn(ctx)
}

// active is the number of slots taken: held by callers, or on their way to
// a waiter.
func (b *Bulkhead) active() int { return int(b.max - b.free.Load()) }

// take takes a free slot from the pool, if there is one.
func (b *Bulkhead) take() bool {
	for {
		f := b.free.Load()
		if f <= 0 {
			return false
		}
		if b.free.CompareAndSwap(f, f-1) {
			return true
		}
	}
}

// put gives a slot back to the pool, unless the pool is full (a Release
// without a grant).
func (b *Bulkhead) put() bool {
	for {
		f := b.free.Load()
		if f >= b.max {
			return false
		}
		if b.free.CompareAndSwap(f, f+1) {
			return true
		}
	}
}

// admitted counts a grant, raises the peak and publishes bulkhead_accepted
// (Count: active slots, Max: MaxConcurrent).
func (b *Bulkhead) admitted() {
	b.accepted.Add(1)
	a := int64(b.active())
	for p := b.peak.Load(); a > p && !b.peak.CompareAndSwap(p, a); p = b.peak.Load() {
	}
	if b.eng.Events().HasSubscribers() {
		b.eng.Publish(eventstream.Event{Type: eventstream.EventBulkheadAccepted, Pattern: Kind, Name: b.name,
			Fields: eventstream.Fields{Count: a, Max: int64(b.cfg.MaxConcurrent)}})
	}
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
