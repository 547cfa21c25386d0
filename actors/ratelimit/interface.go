package ratelimit

import (
	"context"

	"github.com/bulwark-go/bulwark/engine"
)

// Interface is what every rate limiter of Bulwark does, in process
// (*Limiter) or shared through Redis (adapters/redis): per-key limits
// written in one grammar (ParseRate) or as a Rate, one default algorithm
// (GCRA), the same Result, the same errors and the same reasons. Code that
// takes an Interface — the HTTP middleware, engine.Compose through a
// KeyGuard, a user's handler — runs on either.
//
// Every method is safe for concurrent use. The methods that take a rate
// string parse it with ParseRate; a malformed rate, or one the limiter
// cannot hold, is a *RateError (wrapping messages.ErrInvalidConfig), never
// an admission. After the limiter's engine has stopped every method returns
// messages.ErrStopped.
type Interface interface {
	// Allow reports whether one event for key may happen now under rate:
	// nil if it may (it is counted), else a *messages.RejectedError
	// wrapping ErrLimited with the Reason and, for ReasonExceeded, the
	// exact RetryAfter.
	Allow(ctx context.Context, key, rate string) error
	// AllowRate is Allow with a parsed Rate.
	AllowRate(ctx context.Context, key string, r Rate) error
	// Check is Allow that reports a refusal as a Result instead of an
	// error; err is only for a malformed rate, ctx or shutdown.
	Check(ctx context.Context, key, rate string) (Result, error)
	// CheckRate is Check with a parsed Rate.
	CheckRate(ctx context.Context, key string, r Rate) (Result, error)
	// Wait blocks until one event for key may happen under rate. Under
	// GCRA it reserves the key's next permit, so waiters are served in
	// order, and a wait that ends early (ctx) gives its permit back unless
	// a later reservation was made behind it. A wait that would outlast
	// ctx's deadline fails at once with ReasonDeadline, consuming nothing.
	Wait(ctx context.Context, key, rate string) error
	// WaitRate is Wait with a parsed Rate.
	WaitRate(ctx context.Context, key string, r Rate) error
	// Guard binds key under r once (checking r now) and returns the
	// KeyGuard that decides for it: the fastest way to limit a key known
	// in advance, and the engine.Guard that composes with other patterns.
	Guard(key string, r Rate) (KeyGuard, error)
}

// KeyGuard is one key's limit bound by Interface.Guard. It is an
// engine.Guard: Acquire is Allow and Release does nothing (a rate limit is
// not released), so it composes with the other patterns (engine.Compose's
// RateLimiter) and the HTTP adapters. It is safe for concurrent use.
type KeyGuard interface {
	engine.Guard
	// Key returns the key the guard limits.
	Key() string
	// Rate returns the rate the guard applies.
	Rate() Rate
	// Allow is Interface.Allow for the guard's key and rate.
	Allow(ctx context.Context) error
	// Check is Interface.Check for the guard's key and rate.
	Check(ctx context.Context) (Result, error)
	// Wait is Interface.Wait for the guard's key and rate.
	Wait(ctx context.Context) error
}

var _ Interface = (*Limiter)(nil)
