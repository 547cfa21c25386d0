package ratelimit

import (
	"context"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// KeyGuard is one key's limit seen as an engine.Guard, so that it composes
// with the other patterns and the HTTP adapters: Acquire is AllowRate and
// Release does nothing (a rate limit is not released). Its zero value is not
// usable; get one from Limiter.Guard. It is a small value, safe to copy and
// for concurrent use.
type KeyGuard struct {
	l    *Limiter
	key  string
	rate Rate
}

var _ engine.Guard = KeyGuard{}

// Guard returns the engine.Guard for key under r.
func (l *Limiter) Guard(key string, r Rate) KeyGuard { return KeyGuard{l: l, key: key, rate: r} }

// Acquire admits one call, or returns AllowRate's error.
func (g KeyGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	return engine.Permit{}, g.l.AllowRate(ctx, g.key, g.rate)
}

// Release does nothing: an admitted call has used its permit.
func (g KeyGuard) Release(engine.Permit, messages.Outcome) {}

// Execute calls fn if one event for key may happen now under rate, and
// returns Allow's error otherwise.
func (l *Limiter) Execute(ctx context.Context, key, rate string, fn func(context.Context) error) error {
	if err := l.Allow(ctx, key, rate); err != nil {
		return err
	}
	return fn(ctx)
}

// Do is Execute for a function with a result.
func Do[T any](ctx context.Context, l *Limiter, key, rate string, fn func(context.Context) (T, error)) (T, error) {
	if err := l.Allow(ctx, key, rate); err != nil {
		var zero T
		return zero, err
	}
	return fn(ctx)
}
