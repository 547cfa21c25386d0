package redis

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Wait blocks until one event for key may happen under rate
// (ratelimit.Interface.Wait), sleeping on the engine's clock.
//
// Under GCRA it reserves the key's next permit on the server, in one
// script on the server's clock, and sleeps until the permit's time: waiters
// of every process are served in the order they reserved, and a permit is
// never given twice. A Wait whose ctx ends (or whose engine stops) while it
// sleeps gives its permit back if no later reservation or admission was
// made behind it, and returns ctx.Err() (messages.ErrStopped); a permit
// that could not be given back (Redis unreachable) is lost, never
// over-admitted. A wait that would outlast ctx's deadline fails at once,
// consuming nothing, with Reason ratelimit.ReasonDeadline. Under
// SlidingWindow a waiter sleeps until its RetryAfter and asks again.
//
// When Redis cannot decide, Wait does what Allow does: FailOpen admits at
// once, FailClosed and ReasonBusy refuse.
func (l *Limiter) Wait(ctx context.Context, key, rate string) error {
	return l.wait(ctx, l.parse(key, rate))
}

// WaitRate is Wait with a parsed Rate.
func (l *Limiter) WaitRate(ctx context.Context, key string, r ratelimit.Rate) error {
	return l.wait(ctx, l.bind(key, r, ""))
}

func (l *Limiter) wait(ctx context.Context, b bound) error {
	if b.err != nil {
		return b.err
	}
	if l.cfg.Algorithm == ratelimit.SlidingWindow {
		return l.waitWindow(ctx, b)
	}
	maxWait := time.Duration(maxScriptWait) * time.Microsecond
	if dl, ok := ctx.Deadline(); ok {
		maxWait = max(dl.Sub(l.clock.Now()), 0)
	}
	d, err := l.decide(ctx, b, maxWait)
	if err != nil {
		return err
	}
	if !d.res.Allowed {
		return l.refusal(d)
	}
	if d.wait <= 0 {
		return nil // counted by decide
	}
	if err := l.sleep(ctx, d.wait); err != nil {
		l.giveBack(ctx, b, d)
		if err == ctx.Err() {
			l.cancelled.Add(1)
		}
		return err
	}
	l.count(b, decision{res: d.res})
	return nil
}

// giveBack cancels the reservation d, bounded by Config.Timeout; a failure
// loses the permit (it is never given twice).
func (l *Limiter) giveBack(ctx context.Context, b bound, d decision) {
	if d.after == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
	defer cancel()
	_ = gcraCancel.Run(ctx, l.client, []string{b.base + ":gcra"}, d.after, d.before).Err()
}

// waitWindow is Wait under SlidingWindow: each try is a decision (and is
// counted as one; the last try of a Wait refused for its deadline is
// counted as that refusal only).
func (l *Limiter) waitWindow(ctx context.Context, b bound) error {
	for {
		d, err := l.decide(ctx, b, noWait)
		if err != nil {
			return err
		}
		if d.res.Allowed {
			return nil
		}
		if d.res.Reason != ratelimit.ReasonExceeded {
			return l.refusal(d)
		}
		if dl, ok := ctx.Deadline(); ok && l.clock.Now().Add(d.res.RetryAfter).After(dl) {
			l.exceeded.Add(^uint64(0)) // the try becomes this refusal
			d.res.Reason = ratelimit.ReasonDeadline
			l.deadline.Add(1)
			return l.refusal(d)
		}
		if err := l.sleep(ctx, d.res.RetryAfter); err != nil {
			if err == ctx.Err() {
				l.cancelled.Add(1)
			}
			return err
		}
	}
}

// sleep waits d on the limiter's clock. It gives up with ctx.Err() when
// ctx ends, and with messages.ErrStopped when the engine stops.
func (l *Limiter) sleep(ctx context.Context, d time.Duration) error {
	return engine.SleepUnless(ctx, l.clock, d, l.done, stopped)
}

func stopped() error { return messages.ErrStopped }
