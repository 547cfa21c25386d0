package ratelimit

import (
	"context"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// keyGuard is the local KeyGuard: the rate is checked, the key hashed and
// its shard chosen when Limiter.Guard makes it, and the key's cell is
// remembered between calls, so a decision skips parsing, hashing and the
// table look-up.
type keyGuard struct {
	l     *Limiter
	i     uint64 // its shard
	h     uint64
	key   string
	rate  Rate
	label string
	cell  atomic.Pointer[cell] // the key's cell, nil until first used or after eviction
}

var _ KeyGuard = (*keyGuard)(nil)

// Guard binds key under r (see Interface.Guard). A malformed r is a
// *RateError, as is a count the sliding window cannot hold.
func (l *Limiter) Guard(key string, r Rate) (KeyGuard, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	if err := l.windowFits(r, ""); err != nil {
		return nil, err
	}
	h := l.hash(key, r)
	return &keyGuard{l: l, i: h >> l.shift, h: h, key: key, rate: r, label: r.String()}, nil
}

// Key returns the key g limits.
func (g *keyGuard) Key() string { return g.key }

// Rate returns the rate g applies.
func (g *keyGuard) Rate() Rate { return g.rate }

// Check is Limiter.Check for g's key and rate.
func (g *keyGuard) Check(ctx context.Context) (Result, error) {
	return g.l.decide(ctx, g.i, g.h, g.key, g.rate, g.label, &g.cell)
}

// Allow is Limiter.Allow for g's key and rate.
func (g *keyGuard) Allow(ctx context.Context) error {
	res, err := g.Check(ctx)
	if err != nil || res.Allowed {
		return err
	}
	return g.l.rejected(res)
}

// Wait is Limiter.Wait for g's key and rate.
func (g *keyGuard) Wait(ctx context.Context) error {
	return g.l.wait(ctx, g.key, g.rate, g.label)
}

// Acquire admits one call, or returns Allow's error.
func (g *keyGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	return engine.Permit{}, g.Allow(ctx)
}

// Release does nothing: an admitted call has used its permit.
func (g *keyGuard) Release(engine.Permit, messages.Outcome) {}

// Execute calls fn if one event for key may happen now under rate, and
// returns Allow's error otherwise. A nil fn is a *messages.ConfigError
// (wrapping messages.ErrInvalidConfig), and consumes nothing.
func (l *Limiter) Execute(ctx context.Context, key, rate string, fn func(context.Context) error) error {
	if fn == nil {
		return errNilFunc
	}
	if err := l.Allow(ctx, key, rate); err != nil {
		return err
	}
	return fn(ctx)
}

// Do is Execute for a function with a result.
func Do[T any](ctx context.Context, l *Limiter, key, rate string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, errNilFunc
	}
	if err := l.Allow(ctx, key, rate); err != nil {
		return zero, err
	}
	return fn(ctx)
}
