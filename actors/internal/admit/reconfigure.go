package admit

import (
	"context"

	"github.com/bulwark-go/bulwark/messages"
)

// closer is a Policy that can hold the fast paths closed: while Closed,
// Waiting is one more than the waiters, so a fast path that reads it
// leaves the room to the actor and a release kicks the actor.
type closer interface{ Closed() bool }

// Change is a live reconfiguration of the pattern that owns a Queue, which
// its actor applies between two messages.
type Change struct {
	// MaxWaiting is the queue's new bound. Waiters beyond it, the
	// youngest of the lowest tier first, are refused with
	// messages.ReasonReconfigured; the others keep their places.
	MaxWaiting int
	// Apply runs first, in the actor's goroutine, after released room has
	// been folded in (Policy.Settle): the pattern applies its new config
	// to its policy and republishes what its fast path reads.
	Apply func()
	// Applied runs last, after waiters were refused and served (a higher
	// limit admits them at once, in order) and Waiting was published: the
	// pattern records the change (reconf.Record).
	Applied func()
}

func (Change) isRequest() {}

// Reconfigure has the actor apply c between two messages and waits until
// it has. It returns the actor's stop error if it has stopped, or
// ctx.Err(): nothing applied if ctx had ended before the call, and c may
// have been applied (if the actor had taken it) or not if it ends while
// the call waits.
func (q *Queue) Reconfigure(ctx context.Context, c Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := q.actor.Ask(ctx, c)
	return err
}

// change applies c (owner only; the policy has settled).
func (q *Queue) change(c Change) {
	if c.Apply != nil {
		c.Apply()
	}
	q.cfg.MaxWaiting = c.MaxWaiting
	for q.len() > c.MaxWaiting && q.turnAway(0, messages.ReasonReconfigured) {
	}
	q.serve()
	q.policy.Finish(q.len())
	if c.Applied != nil {
		c.Applied()
	}
}
