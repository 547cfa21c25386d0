// Package measuretest builds, for the exporters' tests, instances whose
// Stats are known.
package measuretest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/adapters/redisbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// Shared starts a redis-server and an engine of t's own (skipping t when
// redis-server is not installed) and returns the engine and two instances
// shared through that Redis, both with keys under t.Name():
//
//   - the rate limiter "orders", which has admitted 2 requests for key
//     "client-7" at "2/minute" and refused 1 (ratelimit.ReasonExceeded);
//   - the breaker "payments" (FailureThreshold 2), whose shared circuit
//     opened after 2 failures, flushed to Redis, and which has refused
//     1 call since.
func Shared(t testing.TB) (*engine.Engine, *redis.Limiter, *redisbreaker.Breaker) {
	t.Helper()
	client := redistest.Start(t, 0).Client(t, nil)
	eng := enginetest.Start(t)
	ctx := context.Background()
	l, err := redis.New(eng, "orders", client, redis.Config{Prefix: t.Name(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := l.Allow(ctx, "client-7", "2/minute"); err != nil && !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatal(err)
		}
	}
	br, err := redisbreaker.New(eng, "payments", client, redisbreaker.Config{Prefix: t.Name(), Timeout: 5 * time.Second,
		Breaker: circuitbreaker.Config{FailureThreshold: 2, RecoveryTimeout: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	failure := errors.New("backend: connection refused")
	for range 2 {
		_ = br.Execute(ctx, func(context.Context) error { return failure })
	}
	if err := br.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := br.Execute(ctx, func(context.Context) error { return nil }); !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Fatalf("a call after the shared circuit opened: %v", err)
	}
	return eng, l, br
}
