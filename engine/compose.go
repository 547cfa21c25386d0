package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Policy is a stateless policy that wraps a call in the caller's goroutine:
// retry, timeout, fallback, or a user's own. Apply runs the rest of the
// chain by calling next.Call (zero, one or many times) and returns what the
// caller of the composition gets. Implementations must be safe for
// concurrent use; the actors/retry, actors/timeout and actors/fallback
// packages provide them.
//
// The rules every Bulwark policy (and Composition.Get) keeps:
//
//   - A caller who gave up gets the context's error. Once the caller's
//     context has ended, no policy starts more work (the first call,
//     another attempt, a backoff wait, a fallback), and the caller gets
//     zero and an error
//     that errors.Is ctx.Err() (context.Canceled or
//     context.DeadlineExceeded) — also when the function returned a value
//     after the context ended, since nobody waits for it. If the call had
//     returned an error of its own, that error is kept alongside (see
//     CallerGone).
//   - After the engine a policy was made with has begun Shutdown, the
//     policy runs nothing and returns messages.ErrStopped. A fallback
//     does not turn ErrStopped into its value by default (see
//     actors/fallback).
//   - A nil function is an error wrapping messages.ErrInvalidConfig,
//     returned before any stage runs.
//   - Every result of next.Call that a policy does not return (an
//     attempt it runs again, a call it abandons or that came too late, a
//     value it replaces) goes to next.Discard, so that the composition's
//     OnDiscard can release what it holds.
//   - Bulwark's own refusals (messages.IsRefusal: circuit open, rate
//     limited, bulkhead full, shed, backpressure, limit exceeded,
//     stopped) are neutral: a guard records them as messages.Ignored
//     (messages.ClassifyError) and the default retry predicate does not
//     retry them. A Classify function chooses otherwise.
type Policy[T any] interface {
	Apply(ctx context.Context, next Next[T]) (T, error)
}

// Next is the rest of a composition below a Policy: calling it runs the
// inner stages and finally the user's function. It is a small value (never
// allocated) and may be called many times, also from another goroutine.
// Policies get theirs from a Composition; the zero Next has no function
// and returns an error wrapping messages.ErrInvalidConfig when called.
type Next[T any] struct {
	c  *Composition[T]
	i  int
	fn func(context.Context) (T, error)
}

// Call runs the rest of the chain with ctx. The zero Next returns the
// nil-function error.
func (n Next[T]) Call(ctx context.Context) (T, error) {
	if n.c == nil || n.i >= len(n.c.stages) {
		if n.fn == nil {
			var zero T
			return zero, errNilFunc
		}
		return n.fn(ctx)
	}
	s := &n.c.stages[n.i]
	inner := Next[T]{c: n.c, i: n.i + 1, fn: n.fn}
	if s.guard != nil {
		return guarded[T](ctx, s.guard, s.classify, inner)
	}
	return s.policy.Apply(ctx, inner)
}

// Discard hands v and err — a result that the policy calling it drops
// instead of returning (a retried attempt's, an abandoned call's, a
// result that came after its caller left) — to the composition's
// OnDiscard function, if it has one. Policies call it for every result of
// next.Call they do not return, so that a result holding a resource (an
// *http.Response's body) is released. It may be called from another
// goroutine than the caller's, after the call has returned.
func (n Next[T]) Discard(v T, err error) {
	if n.c != nil && n.c.discard != nil {
		n.c.discard(v, err)
	}
}

// Stage is one layer of a composition: a Policy or a Guard. Build it with
// UsePolicy or UseGuard.
type Stage[T any] struct {
	policy   Policy[T]
	guard    Guard
	classify func(error) messages.Outcome
}

// UsePolicy makes a stage of a stateless policy.
func UsePolicy[T any](p Policy[T]) Stage[T] { return Stage[T]{policy: p} }

// UseGuard makes a stage of a stateful pattern's handle (circuit breaker,
// rate limiter, bulkhead, load shedder, backpressure, adaptive limiter or
// your own Guard). classify turns the call's error into the outcome the
// guard records; nil means the guard's own Classify method if it has one
// (the circuit breaker's applies its IsFailure), else
// messages.ClassifyError. A typed nil pointer in g is not nil: leave the
// stage out instead.
func UseGuard[T any](g Guard, classify func(error) messages.Outcome) Stage[T] {
	if g == nil {
		return Stage[T]{}
	}
	if classify == nil {
		if c, ok := g.(interface {
			Classify(error) messages.Outcome
		}); ok {
			classify = c.Classify
		} else {
			classify = messages.ClassifyError
		}
	}
	return Stage[T]{guard: g, classify: classify}
}

// Composition is a chain of stages, outermost first, computed once and run
// around many calls. It is safe for concurrent use; its zero value (and a
// Composition with no stages) runs the function directly. Running a call
// allocates nothing of its own: what allocates is what the stages do (a
// timeout's derived context, say).
type Composition[T any] struct {
	stages  []Stage[T]
	discard func(T, error) // OnDiscard's function, or nil
}

// Chain composes the stages in exactly the order given, outermost first.
// Nil policies and guards are skipped (a typed nil pointer inside the
// interface is not nil: leave such a stage out). Use it to choose an order other than
// Compose's.
func Chain[T any](stages ...Stage[T]) *Composition[T] {
	c := &Composition[T]{stages: make([]Stage[T], 0, len(stages))}
	for _, s := range stages {
		if s.guard == nil && s.policy == nil {
			continue
		}
		if s.guard != nil && s.classify == nil {
			s.classify = messages.ClassifyError
		}
		c.stages = append(c.stages, s)
	}
	return c
}

// Policies names the patterns of a composition in the default order. Every
// field is optional: a nil field takes no part.
type Policies[T any] struct {
	// Fallback is the outermost stage: it sees the final error, after
	// every retry.
	Fallback Policy[T]
	// Retry re-runs everything below it, so each attempt asks the breaker,
	// the limiter and the bulkhead again and gets its own timeout.
	Retry Policy[T]
	// CircuitBreaker rejects at once while open; a rejection is not
	// retried by the default retry predicate.
	CircuitBreaker Guard
	// RateLimiter admits calls at a rate.
	RateLimiter Guard
	// Timeout bounds one attempt, including the wait for a bulkhead slot.
	Timeout Policy[T]
	// Admission are the concurrency guards closest to the call, in order:
	// bulkhead, load shedder, backpressure, adaptive limiter.
	Admission []Guard
	// OnDiscard, when set, receives every result that the composition or
	// one of its policies drops instead of returning (see
	// Composition.OnDiscard).
	OnDiscard func(v T, err error)
	// Classify turns a call's error into the outcome the guards record;
	// nil means each guard's own Classify method where it has one, else
	// messages.ClassifyError — under both, Bulwark's own refusals from the
	// stages below are messages.Ignored.
	Classify func(error) messages.Outcome
}

// Compose builds the default order, outermost first:
//
//	fallback → retry → circuit breaker → rate limiter → timeout →
//	bulkhead / load shedder / backpressure / adaptive → call
//
// Why this order: fallback sees what is left after every retry; each retry
// passes the breaker and the limiter again, so an opening circuit stops the
// retries and every attempt is counted; the timeout bounds one attempt
// (including its wait for a slot) and the breaker records a timed-out
// attempt as a failure, while a refusal by a guard below it (bulkhead
// full, shed, backpressure, limit exceeded, rate limited, stopped) is
// neutral: local overload does not open the circuit (see Policy for the
// rules; Classify chooses otherwise); the concurrency guards hold a slot
// only while the call runs. Use Chain for another order.
func Compose[T any](p Policies[T]) *Composition[T] {
	stages := make([]Stage[T], 0, 5+len(p.Admission))
	stages = append(stages, UsePolicy(p.Fallback), UsePolicy(p.Retry),
		UseGuard[T](p.CircuitBreaker, p.Classify), UseGuard[T](p.RateLimiter, p.Classify),
		UsePolicy(p.Timeout))
	for _, g := range p.Admission {
		stages = append(stages, UseGuard[T](g, p.Classify))
	}
	c := Chain(stages...)
	c.discard = p.OnDiscard
	return c
}

// OnDiscard returns a copy of c whose dropped results go to discard: the
// result of a call whose caller's context ended before Get returned, and
// every result a policy of c drops and hands to Next.Discard — an
// attempt a retry runs again, a call a timeout abandons (handed over when
// it returns, from its goroutine), a primary result a fallback replaces.
// What the caller gets is never discarded. v may be the zero value (a
// failed call's). Use it to release what a result holds: drain and close
// an *http.Response's body, so that its connection goes back to the pool.
// A policy's own OnDiscard, where it has one, takes precedence for what
// that policy drops.
func (c *Composition[T]) OnDiscard(discard func(v T, err error)) *Composition[T] {
	cp := &Composition[T]{discard: discard}
	if c != nil {
		cp.stages = c.stages
	}
	return cp
}

// Len returns the number of stages.
func (c *Composition[T]) Len() int {
	if c == nil {
		return 0
	}
	return len(c.stages)
}

// Get runs fn under every stage of c and returns its result or the first
// stage's error. A nil fn is an error wrapping messages.ErrInvalidConfig,
// and no stage runs; so is a ctx that has already ended (Get returns
// ctx.Err()). A caller whose ctx ended before Get returned gets zero and
// ctx's error (see Policy), and the result goes to OnDiscard's function.
func (c *Composition[T]) Get(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, errNilFunc
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	n := Next[T]{c: c, fn: fn}
	v, err := n.Call(ctx)
	if ctx.Err() != nil {
		n.Discard(v, err)
		return zero, CallerGone(ctx, err)
	}
	return v, err
}

// errNilFunc is the error for a nil function given to Get, Next or Run.
var errNilFunc = messages.InvalidConfig("engine", "fn", nil, "must not be nil")

// CallerGone is what a policy returns to a caller whose context has ended
// (ctx.Err() != nil): ctx.Err() itself when last is nil or already matches
// it, otherwise an error that wraps both ctx.Err() and last (the error the
// call had returned, say the backend's), so errors.Is finds either. With a
// live ctx it returns last.
func CallerGone(ctx context.Context, last error) error {
	cerr := ctx.Err()
	switch {
	case cerr == nil:
		return last
	case last == nil:
		return cerr
	case errors.Is(last, cerr):
		return last
	}
	return fmt.Errorf("%w (last error: %w)", cerr, last)
}

// Deadliner is a Policy that runs every call it wraps under one absolute
// end (timeout.ForDeadline's policy). A retry above it asks
// Next.Deadline, so that it starts no attempt that would begin past that
// end.
type Deadliner interface {
	// Deadline returns the end, and false when the policy has none.
	Deadline() (time.Time, bool)
}

// Deadline returns the earliest end among the Deadliner policies below
// (and including) n's stage, and false when there is none. It does not
// look at a context's deadline.
func (n Next[T]) Deadline() (time.Time, bool) {
	var at time.Time
	found := false
	if n.c == nil {
		return at, false
	}
	for i := n.i; i < len(n.c.stages); i++ {
		d, ok := n.c.stages[i].policy.(Deadliner)
		if !ok {
			continue
		}
		if t, ok := d.Deadline(); ok && (!found || t.Before(at)) {
			at, found = t, true
		}
	}
	return at, found
}
