// Package call holds what the stateless policies (retry, timeout,
// fallback) run: a user's function or the rest of a composition
// (engine.Next), behind one small interface. A policy's loop takes it as a
// type parameter, so wrapping a function allocates nothing.
package call

import (
	"context"
	"time"
)

// Caller is one call a policy may run, once or many times. engine.Next
// implements it; so do Func and ErrFunc.
type Caller[T any] interface {
	// Call runs the call with ctx.
	Call(context.Context) (T, error)
	// Deadline is the earliest shared deadline below (engine.Deadliner),
	// and false when there is none.
	Deadline() (time.Time, bool)
	// Discard takes a result the policy drops instead of returning
	// (engine.Next.Discard); a plain function's does nothing.
	Discard(v T, err error)
}

// Func is a function that returns a value, as a Caller with no deadline.
type Func[T any] func(context.Context) (T, error)

// Call calls f.
func (f Func[T]) Call(ctx context.Context) (T, error) { return f(ctx) }

// Deadline reports none.
func (Func[T]) Deadline() (time.Time, bool) { return time.Time{}, false }

// Discard does nothing.
func (Func[T]) Discard(T, error) {}

// ErrFunc is a function that returns only an error, as a Caller of
// struct{} with no deadline.
type ErrFunc func(context.Context) error

// Call calls f.
func (f ErrFunc) Call(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) }

// Deadline reports none.
func (ErrFunc) Deadline() (time.Time, bool) { return time.Time{}, false }

// Discard does nothing.
func (ErrFunc) Discard(struct{}, error) {}
