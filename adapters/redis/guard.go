package redis

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// keyGuard is the Redis KeyGuard: the rate is checked and the key's Redis
// names built once, when Limiter.Guard makes it.
type keyGuard struct {
	l *Limiter
	b bound
}

var _ ratelimit.KeyGuard = (*keyGuard)(nil)

// Guard binds key under r (see ratelimit.Interface.Guard): the returned
// KeyGuard decides on Redis without checking the rate or building the key's
// Redis names again, and is the engine.Guard that composes with the other
// patterns (engine.Compose's RateLimiter, the HTTP middleware). A rate the
// algorithm cannot count is a *ratelimit.RateError. Guard does no I/O.
func (l *Limiter) Guard(key string, r ratelimit.Rate) (ratelimit.KeyGuard, error) {
	b := l.bind(key, r, "")
	if b.err != nil {
		return nil, b.err
	}
	return &keyGuard{l: l, b: b}, nil
}

func (g *keyGuard) Key() string          { return g.b.key }
func (g *keyGuard) Rate() ratelimit.Rate { return g.b.r }

func (g *keyGuard) Allow(ctx context.Context) error { return g.l.allow(ctx, g.b) }

func (g *keyGuard) Check(ctx context.Context) (ratelimit.Result, error) {
	d, err := g.l.decide(ctx, g.b, noWait)
	return d.res, err
}

func (g *keyGuard) Wait(ctx context.Context) error { return g.l.wait(ctx, g.b) }

// Acquire admits one call, or returns Allow's error.
func (g *keyGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	return engine.Permit{}, g.Allow(ctx)
}

// Release does nothing: an admitted call has used its permit.
func (g *keyGuard) Release(engine.Permit, messages.Outcome) {}
