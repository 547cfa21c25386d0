// Package admit is the queue-owning actor that the admission patterns
// (bulkhead, load shedder, backpressure) share. A pattern's callers take
// room on a fast path of their own (a compare-and-swap on a word the
// pattern defines); a caller that finds none comes to the Queue, whose one
// goroutine decides with the pattern's Policy: room now, a place in the
// queue, or a refusal. Waiters are served in priority order, oldest first
// within a priority, each as room frees; a waiter whose context ends or
// whose wait passes leaves, and a grant that crossed its leaving is given
// back.
//
// Handle is the rest of what the patterns' handles share, written once:
// New, the config in force, Reconfigure, the figures of Stats, and with
// Execute, Do, CheckSizes and Counts each pattern supplies only what
// differs (its fast path, its Policy, its events).
//
// A Queue is safe for concurrent use; its state is owned by its actor's
// goroutine (owned by the engine's supervisor, restarted with the queue
// intact after a panic, stopped at Shutdown).
package admit

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// Tiers is how many priorities a Queue keeps apart: tier 0 is served
// first.
const Tiers = 3

// Policy is a pattern's admission rule. The Queue calls its methods only
// in its actor's goroutine, one at a time.
type Policy interface {
	// Take takes room for one call — an arrival that found nobody
	// waiting, or the oldest waiter — and returns its permit's token, or
	// false when there is none.
	Take() (token uint64, ok bool)
	// Refuse returns why an arrival that found no room may not wait, with
	// waiting callers queued already, or "" if it may.
	Refuse(waiting int) string
	// Arrive is called before an arrival is decided.
	Arrive()
	// Settle is called before every message and at the end of every
	// batch, before waiters are served.
	Settle()
	// Finish is called after every message and at the end of every batch,
	// with the number of callers waiting.
	Finish(waiting int)
	// GiveBack releases the permit of a token granted to a waiter that
	// had left already. It is called in that waiter's goroutine, not the
	// actor's.
	GiveBack(token uint64)
}

// Config is what a Queue needs beyond its Policy.
type Config struct {
	// MaxWaiting is how many callers may wait (0: none).
	MaxWaiting int
	// Words are the pattern's reasons, shared by all its instances.
	Words *Words
}

// Words are an admission pattern's kind and rejection reasons, the same
// for every instance (a package-level value the pattern points its Config
// to).
// Full, Displaced and Timeout are the reasons of an arrival that finds the
// queue full (or may not wait), of a waiter displaced by a higher
// priority, and of a wait that passed its Call.Wait; Reasons are all the
// pattern's reasons (at most MaxReasons), the keys of Counts' RejectedBy.
type Words struct {
	Kind                     string
	Full, Displaced, Timeout string
	Reasons                  []string
}

// Queue is the queue-owning actor. Make one with Init, in the pattern's
// handle (it is not copied after Init).
type Queue struct {
	waiting   atomic.Int64 // owner-written: how many wait (plus one while an arrival is decided)
	actor     *kernel.Actor[request, reply]
	clock     engine.Clock
	policy    Policy
	cfg       Config
	unclaimed atomic.Uint64

	// Owner only; the waiters' tiers and channels are made for the first
	// waiter, so an instance nobody waited on does not hold them.
	tiers   *[Tiers]waitq.FIFO
	waiters map[uint64]chan verdict
	next    uint64
}

// Init sets q up on clock with policy p and returns the service for the
// supervisor to run (kernel.Spawn's start function returns it).
func (q *Queue) Init(clock engine.Clock, p Policy, cfg Config) kernel.Service {
	q.clock, q.policy, q.cfg = clock, p, cfg
	q.actor = kernel.NewActor(0, func() kernel.Behavior[request, reply] { return owner{q} })
	return q.actor
}

// Waiting returns how many callers wait, as last published by the actor
// (one more while it decides an arrival). A fast path that finds it above
// zero leaves the room to the queue.
func (q *Queue) Waiting() int64 { return q.waiting.Load() }

// Err returns nil while the actor runs, and why it stopped afterwards (an
// error that wraps messages.ErrStopped).
func (q *Queue) Err() error { return q.actor.Err() }

// Kick tells the actor that room came free, without waiting: it serves
// waiters after the batch in which the kick arrives. If the mailbox is
// full, the actor is busy and serves them after that batch anyway.
func (q *Queue) Kick() { q.actor.TryTell(kick{}) }

// Unclaimed returns how many grants went to a waiter that had left: the
// Policy took them and GiveBack released them, nobody was admitted.
func (q *Queue) Unclaimed() uint64 { return q.unclaimed.Load() }

// Outcome is how a Wait ended: granted (Token), refused (Reason), or
// neither (Err: the caller's ctx.Err() with Cancelled set, or the actor's
// stop error).
type Outcome struct {
	Token     uint64
	Granted   bool
	Reason    string
	Cancelled bool
	Err       error
}

// Call is one arrival at a Queue.
type Call struct {
	// Tier is where it waits: 0 is served first (0..Tiers-1).
	Tier int
	// Wait is how long it waits before it is refused with Config.Timeout
	// (0: until its context ends).
	Wait time.Duration
	// NoWait refuses it with Config.Full, instead of queueing it, when
	// there is no room.
	NoWait bool
}

// Wait asks the actor for room, or a place in the queue, for c, and waits
// for the verdict: at most c.Wait, or until ctx ends. When it returns
// without Granted the caller holds nothing.
func (q *Queue) Wait(ctx context.Context, c Call) Outcome {
	ch := make(chan verdict, 1)
	// The arrival itself is never abandoned (the actor answers at once): a
	// caller the actor queued always learns its id, so it can leave.
	r, err := q.actor.Ask(context.Background(), arrive{tier: min(max(c.Tier, 0), Tiers-1), noWait: c.NoWait, ch: ch})
	switch {
	case err != nil:
		return Outcome{Err: err}
	case r.granted:
		return Outcome{Token: r.token, Granted: true}
	case !r.queued:
		return Outcome{Reason: r.reason}
	}
	var expired <-chan time.Time
	if c.Wait > 0 {
		t := q.clock.NewTimer(c.Wait)
		defer t.Stop()
		expired = t.C()
	}
	select {
	case v := <-ch:
		if !v.granted {
			return Outcome{Reason: v.reason}
		}
		return Outcome{Token: v.token, Granted: true}
	case <-ctx.Done():
		return q.leave(r.id, ch, ctx.Err())
	case <-expired:
		return q.leave(r.id, ch, nil)
	case <-q.actor.Done():
		return Outcome{Err: q.actor.Err()}
	}
}

// leave takes waiter id out of the queue: it tells the actor and waits for
// the answer. As the actor handles messages in order, either the waiter
// was still queued, or its verdict is in ch already; a grant found there is
// given back. cause is ctx.Err(), or nil when MaxWait passed.
func (q *Queue) leave(id uint64, ch chan verdict, cause error) Outcome {
	r, err := q.actor.Ask(context.Background(), leave{id: id})
	if err != nil || !r.removed {
		select {
		case v := <-ch:
			if v.granted {
				q.unclaimed.Add(1)
				q.policy.GiveBack(v.token)
			}
		default:
		}
	}
	switch {
	case cause != nil:
		return Outcome{Err: cause, Cancelled: true}
	case err != nil:
		return Outcome{Err: err}
	}
	return Outcome{Reason: q.cfg.Words.Timeout}
}

// Slots is the Policy of a pattern whose room is the permits of a Ledger
// under a Limit (bulkhead, load shedder): an arrival is never refused but
// for a full queue. While the Limit is lower than the permits held (Over)
// it grants nothing and holds the fast paths closed, so that only its
// actor grants, once holders have given back enough. H is the pattern's
// side: a pointer, so that a Slots is one word and holding it in a Policy
// allocates nothing.
type Slots[H SlotHooks] struct{ H H }

// SlotHooks are what a Slots policy asks of its pattern: the Limit of its
// permits, what to do after every message and batch (Finish), and how to
// give a permit back (Policy.GiveBack).
type SlotHooks interface {
	Limit() *waitq.Limit
	Finished()
	GiveBack(token uint64)
}

// Take grants one of the ledger's permits, unless more than the limit is
// held.
func (s Slots[H]) Take() (uint64, bool) {
	l := s.H.Limit()
	if l.Over() > 0 {
		return 0, false
	}
	return l.Ledger().TryGrant()
}

// Refuse refuses nobody.
func (Slots[H]) Refuse(int) string { return "" }

// Arrive does nothing.
func (Slots[H]) Arrive() {}

// Settle parks the permits given back while more than the limit was held.
func (s Slots[H]) Settle() { s.H.Limit().Settle() }

// Closed reports whether more than the limit is held.
func (s Slots[H]) Closed() bool { return s.H.Limit().Over() > 0 }

// Finish calls the pattern's Finished.
func (s Slots[H]) Finish(int) { s.H.Finished() }

// GiveBack calls the pattern's GiveBack.
func (s Slots[H]) GiveBack(token uint64) { s.H.GiveBack(token) }

// Resolve turns o into what Acquire returns: the permit admitted makes of
// a grant, the error rejected makes of a refusal, or o.Err (a cancellation
// is counted in c).
func (c *Counts) Resolve(o Outcome, admitted func(token uint64) engine.Permit, rejected func(reason string) error) (engine.Permit, error) {
	switch {
	case o.Granted:
		return admitted(o.Token), nil
	case o.Reason != "":
		return engine.Permit{}, rejected(o.Reason)
	case o.Cancelled:
		c.Cancel()
	}
	return engine.Permit{}, o.Err
}
