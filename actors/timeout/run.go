package timeout

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/call"
	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// limiter is what Timeout and Deadline share.
type limiter struct {
	pattern, name string
	eng           *engine.Engine
	clock         engine.Clock
	realClock     bool
	cooperative   bool
	stats         *tally.Set // see stats.go
	// cause marks our own cancellation: one value per instance, so a
	// context ended by another limiter is not taken for ours.
	cause error
}

func newLimiter(eng *engine.Engine, pattern, name string, cooperative bool) limiter {
	l := limiter{pattern: pattern, name: name, eng: eng, clock: engine.RealClock{}, cooperative: cooperative, stats: tally.New()}
	if eng != nil {
		l.clock = eng.Clock()
	}
	_, l.realClock = l.clock.(engine.RealClock)
	l.cause = &limitCause{pattern: pattern, name: name}
	return l
}

type limitCause struct{ pattern, name string }

func (c *limitCause) Error() string { return c.pattern + " " + c.name + ": limit reached" }

// deadlineCtx reports a fake clock's deadline on a context that the fake
// clock cancels, and reports our cancellation as DeadlineExceeded, as a
// real deadline would.
type deadlineCtx struct {
	context.Context
	at    time.Time
	cause error
}

func (d deadlineCtx) Deadline() (time.Time, bool) { return d.at, true }

func (d deadlineCtx) Err() error {
	err := d.Context.Err()
	if err != nil && context.Cause(d.Context) == d.cause {
		return context.DeadlineExceeded
	}
	return err
}

// derive returns a context that ends at at, cancelled with l.cause.
func (l *limiter) derive(ctx context.Context, at time.Time) (context.Context, func()) {
	if l.realClock {
		return context.WithDeadlineCause(ctx, at, l.cause)
	}
	cctx, cancelCause := context.WithCancelCause(ctx)
	t := l.clock.AfterFunc(at.Sub(l.clock.Now()), func() { cancelCause(l.cause) })
	return deadlineCtx{cctx, at, l.cause}, func() { t.Stop(); cancelCause(nil) }
}

// outcome is what the function's goroutine hands back. state settles who
// takes it: the caller (delivered) or nobody (the caller left first: the
// goroutine discards the result).
type outcome[T any] struct {
	v        T
	err      error
	panicked bool
	pv       any
	state    atomic.Int32 // running, delivered or abandoned
}

const (
	running int32 = iota
	delivered
	abandoned
)

// drop hands a result the caller does not get to onDiscard, or, without
// one, to c (a composition's OnDiscard through engine.Next).
func drop[T any, C call.Caller[T]](onDiscard func(T, error), c C, v T, err error) {
	if onDiscard != nil {
		onDiscard(v, err)
		return
	}
	c.Discard(v, err)
}

// run calls c with a context that ends rel after now (rel > 0) or at at.
// After the engine's Shutdown it returns ErrStopped and does not call c.
// A result the caller does not get goes to drop.
func run[T any, C call.Caller[T]](ctx context.Context, l *limiter, rel time.Duration, at time.Time, onDiscard func(T, error), c C) (T, error) {
	var zero T
	if l.eng.Stopped() {
		return zero, messages.ErrStopped
	}
	if err := ctx.Err(); err != nil { // the caller has gone: nothing runs
		l.count(cFailed, 0)
		return zero, err
	}
	start := l.clock.Now()
	if rel > 0 {
		at = start.Add(rel)
	}
	limit := at.Sub(start)
	if limit <= 0 {
		l.count(cTimedOut, 0)
		return zero, l.exceeded(limit, 0, ReasonExpired)
	}
	if l.cooperative {
		lc := &lazyCtx{parent: ctx, l: l, at: at}
		v, err := c.Call(lc)
		fired := lc.fired()
		lc.release()
		return finish(ctx, l, v, err, fired, limit, start, onDiscard, c)
	}
	dctx, cancel := l.derive(ctx, at)
	// The outcome travels by pointer: a channel's element is limited to
	// 64 KiB, a result type is not.
	ch := make(chan *outcome[T], 1)
	o := new(outcome[T])
	go func() {
		defer func() {
			if o.panicked {
				o.pv = recover()
			}
			if o.state.CompareAndSwap(running, delivered) {
				ch <- o
			} else if !o.panicked { // the caller has left: nobody takes the result
				drop(onDiscard, c, o.v, o.err)
			}
		}()
		o.panicked = true
		o.v, o.err = c.Call(dctx)
		o.panicked = false
	}()
	select {
	case <-ch:
	case <-dctx.Done():
		if !o.state.CompareAndSwap(running, abandoned) {
			<-ch // delivered as the limit fired
			break
		}
		fired := l.fired(dctx)
		cancel()
		elapsed := l.clock.Since(start)
		if !fired { // the caller's context ended first
			l.count(cFailed, elapsed)
			return zero, ctx.Err()
		}
		l.count(cTimedOut, elapsed)
		return zero, l.exceeded(limit, elapsed, ReasonAbandoned)
	}
	fired := l.fired(dctx)
	cancel()
	if o.panicked {
		panic(o.pv)
	}
	return finish(ctx, l, o.v, o.err, fired, limit, start, onDiscard, c)
}

func (l *limiter) fired(dctx context.Context) bool {
	return dctx.Err() != nil && context.Cause(dctx) == l.cause
}

// finish turns what the function returned into what the caller gets: a
// caller whose ctx ended first gets its error (engine.CallerGone), whatever
// the function returned.
func finish[T any, C call.Caller[T]](ctx context.Context, l *limiter, v T, err error, fired bool, limit time.Duration, start time.Time, onDiscard func(T, error), c C) (T, error) {
	elapsed := l.clock.Since(start)
	var zero T
	switch {
	case fired:
		l.count(cTimedOut, elapsed)
		drop(onDiscard, c, v, err)
		return zero, l.exceeded(limit, elapsed, ReasonCancelled)
	case ctx.Err() != nil:
		l.count(cFailed, elapsed)
		drop(onDiscard, c, v, err)
		return zero, engine.CallerGone(ctx, err)
	case err != nil:
		l.count(cFailed, elapsed)
		return v, err
	}
	l.count(cSucceeded, elapsed)
	if l.subscribed() {
		l.eng.Publish(eventstream.Event{Type: eventstream.EventTimeoutSuccess, Pattern: l.pattern, Name: l.name,
			Fields: eventstream.Fields{Elapsed: elapsed, Delay: limit}})
	}
	return v, err
}

func (l *limiter) subscribed() bool {
	return l.eng != nil && l.eng.Events().HasSubscribers()
}

func (l *limiter) exceeded(limit, elapsed time.Duration, reason string) error {
	if l.subscribed() {
		l.eng.Publish(eventstream.Event{Type: eventstream.EventTimeoutExceeded, Pattern: l.pattern, Name: l.name,
			Fields: eventstream.Fields{Elapsed: elapsed, Delay: limit, Reason: reason}})
	}
	return &messages.TimeoutError{Pattern: l.pattern, Name: l.name, Limit: limit, Elapsed: elapsed, Reason: reason}
}
