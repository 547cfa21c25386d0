package engine

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Guard is the permit protocol every stateful admission pattern speaks: the
// circuit breaker, the rate limiter, the bulkhead, the load shedder,
// backpressure and the adaptive limiter. Composition (and any user's own
// pattern) works against this interface.
//
//  1. Acquire asks to start one call now, with the caller's context. It
//     returns a Permit, or an error: a rejection (a *messages.RejectedError
//     wrapping the pattern's sentinel, with RetryAfter where known),
//     ctx.Err() when the context ended while waiting, or ErrStopped.
//  2. Release reports how the permitted call ended. It must be called exactly
//     once for every Permit granted — also when the call panicked or its
//     context ended — and never for a rejected Acquire. It does not block.
type Guard interface {
	Acquire(ctx context.Context) (Permit, error)
	Release(p Permit, outcome messages.Outcome)
}

// Permit is a grant from a Guard: a small value (never allocated) that the
// caller hands back to Release. Its fields belong to the Guard that made it.
type Permit struct {
	// Token is the guard's own reference for the grant: a generation, a
	// slot, a ticket number.
	Token uint64
	// Start is when the grant was made, set only by guards that measure a
	// call's latency (the breaker's slow-call rate, the adaptive limiter).
	Start time.Time
}

// Latency returns how long ago the permit was granted on clock c, or 0 if
// the guard did not stamp it.
func (p Permit) Latency(c Clock) time.Duration {
	if p.Start.IsZero() {
		return 0
	}
	return c.Since(p.Start)
}

// Run is shorthand for acquiring g, calling fn and releasing g with the
// outcome that classify gives fn's error (messages.ClassifyError when nil).
// If fn panics, the permit is released as a failure and the panic goes on.
// A nil g or fn is an error wrapping messages.ErrInvalidConfig (nothing is
// acquired). Do is Run for a function that returns a value.
func Run(ctx context.Context, g Guard, classify func(error) messages.Outcome, fn func(context.Context) error) error {
	if fn == nil {
		return errNilFunc
	}
	_, err := guarded[struct{}](ctx, g, classify, errFunc(fn))
	return err
}

// Do runs fn under g and returns its result, as Run: the permit is
// released exactly once, with classify's outcome of fn's error, or as a
// failure if fn panics. Every Execute and Do of a pattern that is a Guard
// is written with it.
func Do[T any](ctx context.Context, g Guard, classify func(error) messages.Outcome, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, errNilFunc
	}
	return guarded[T](ctx, g, classify, valueFunc[T](fn))
}

// caller is what guarded runs: a function (valueFunc, errFunc) or the rest
// of a composition (Next). A type parameter rather than a func value, so
// that passing one allocates nothing.
type caller[T any] interface {
	Call(context.Context) (T, error)
}

type valueFunc[T any] func(context.Context) (T, error)

func (f valueFunc[T]) Call(ctx context.Context) (T, error) { return f(ctx) }

type errFunc func(context.Context) error

func (f errFunc) Call(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) }

// guarded is the one run-under-guard: it acquires g, runs c and releases
// g exactly once — with classify(err) (messages.ClassifyError when nil)
// when c returns, as messages.Failure when c panics (the panic goes on).
// A nil g is an error wrapping messages.ErrInvalidConfig.
func guarded[T any, C caller[T]](ctx context.Context, g Guard, classify func(error) messages.Outcome, c C) (T, error) {
	var zero T
	if g == nil {
		return zero, errNilGuard
	}
	p, err := g.Acquire(ctx)
	if err != nil {
		return zero, err
	}
	returned := false
	defer func() {
		if !returned {
			g.Release(p, messages.Failure)
		}
	}()
	v, err := c.Call(ctx)
	returned = true
	if classify == nil {
		classify = messages.ClassifyError
	}
	g.Release(p, classify(err))
	return v, err
}

// errNilGuard is Run's error for a nil Guard.
var errNilGuard = messages.InvalidConfig("engine", "g", nil, "must not be nil")
