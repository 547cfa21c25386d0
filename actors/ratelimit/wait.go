package ratelimit

import (
	"context"
	"math"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// Wait blocks until one event for key may happen under rate, waiting on
// the engine's clock. It fails fast, consuming nothing, with a
// *messages.RejectedError (ReasonDeadline) when the wait would outlast
// ctx's deadline (as x/time/rate's Wait); it returns ctx.Err() if ctx ends
// while it waits, giving its reservation back; and messages.ErrStopped
// after shutdown, also to a Wait that was waiting. Under GCRA waiters are served in the order they
// reserved; under SlidingWindow a waiter sleeps until its RetryAfter and
// asks again.
func (l *Limiter) Wait(ctx context.Context, key, rate string) error {
	r, err := ParseRate(rate)
	if err != nil {
		return err
	}
	return l.wait(ctx, key, r, rate)
}

// WaitRate is Wait with a parsed Rate.
func (l *Limiter) WaitRate(ctx context.Context, key string, r Rate) error {
	if err := r.check(); err != nil {
		return err
	}
	return l.wait(ctx, key, r, "")
}

func (l *Limiter) wait(ctx context.Context, key string, r Rate, label string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	h := l.hash(key, r)
	i := h >> l.shift
	if l.algorithm() == SlidingWindow {
		return l.waitWindow(ctx, i, h, key, r, label)
	}
	s := l.shards[i].Load()
	for {
		var c *cell
		var res Result
		var err error
		c, s, res, err = l.cell(ctx, i, s, h, key, r)
		if c == nil {
			if err == nil {
				l.publish(eventstream.EventRateLimitExceeded, key, r, label)
				err = l.rejected(res)
			}
			return err
		}
		if c.window() { // Reconfigure changed the algorithm meanwhile
			return l.waitWindow(ctx, i, h, key, r, label)
		}
		now := l.clock.Now()
		maxWait := int64(math.MaxInt64)
		if dl, ok := ctx.Deadline(); ok {
			maxWait = int64(dl.Sub(now))
		}
		rsv, ok, wait, isDead := c.reserveAt(s.since(now), maxWait)
		if isDead {
			continue
		}
		if !ok {
			l.deadlined.Add(1)
			return l.rejected(Result{RetryAfter: time.Duration(wait), Reason: ReasonDeadline})
		}
		if err := l.sleep(ctx, s, time.Duration(wait)); err != nil {
			c.unreserve(rsv)
			l.countCancel(ctx, err)
			return err
		}
		l.tally(h, true)
		l.publish(eventstream.EventRateLimitPassed, key, r, label)
		return nil
	}
}

// waitWindow is Wait under SlidingWindow: each try is a decision (and is
// counted as one; the last try of a Wait refused for its deadline is
// counted as that refusal only).
func (l *Limiter) waitWindow(ctx context.Context, i, h uint64, key string, r Rate, label string) error {
	for {
		res, err := l.check(ctx, key, r, label)
		if err != nil || res.Allowed {
			return err
		}
		if res.Reason == ReasonExceeded {
			if dl, ok := ctx.Deadline(); ok && l.clock.Now().Add(res.RetryAfter).After(dl) {
				l.stripes()[h&(countStripes-1)].rejected.Add(^uint64(0)) // the try becomes this refusal
				l.deadlined.Add(1)
				return l.rejected(Result{RetryAfter: res.RetryAfter, Reason: ReasonDeadline})
			}
		}
		if err := l.sleep(ctx, l.shards[i].Load(), res.RetryAfter); err != nil { // started by check
			l.countCancel(ctx, err)
			return err
		}
	}
}

// sleep waits d on the engine's clock. It gives up with ctx.Err() when ctx
// ends, and with the shard's error when the shard stops, so that no waiter
// outlives the engine.
func (l *Limiter) sleep(ctx context.Context, s *shard, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if s == unstarted { // not so after a decision; shard 0 stops with it
		s = l.shards[0].Load()
	}
	return engine.SleepUnless(ctx, l.clock, d, s.actor.Done(), s.actor.Err)
}

// countCancel counts a Wait that sleep ended with err, if ctx ended it.
func (l *Limiter) countCancel(ctx context.Context, err error) {
	if err == ctx.Err() {
		l.cancelled.Add(1)
	}
}
