package otel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/internal/measure/measuretest"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/adapters/otel"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/adapters/redisbreaker"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestCollectRedisInstances: a Redis rate limiter and a shared breaker
// added (the limiter twice) are observed through a manual reader with
// their Stats: the limiter's 2 admitted and 1 refused (exceeded) at
// 2/minute, the breaker's shared state open after 2 failures
// (FailureThreshold 2), the call it refused from it, its flushes and no
// fallback; the local breaker under its own pattern. A nil limiter is a
// *messages.ConfigError.
func TestCollectRedisInstances(t *testing.T) {
	eng, l, br := measuretest.Shared(t)
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	m := must(otel.New(eng, provider, otel.Options{}))
	for _, h := range []any{l, br, l} {
		if err := m.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	var nilLimiter *redis.Limiter
	if err := m.Add(nilLimiter); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("Add of a nil *redis.Limiter: %v", err)
	}
	rm := collect(t, reader)
	for _, tc := range []struct {
		name string
		kv   []string
		want float64
	}{
		{"bulwark.calls", []string{"pattern", redis.Kind, "name", "orders", "outcome", "accepted"}, 2},
		{"bulwark.calls", []string{"pattern", redis.Kind, "name", "orders", "outcome", "rejected"}, 1},
		{"bulwark.calls", []string{"pattern", redis.Kind, "name", "orders", "outcome", "cancelled"}, 0},
		{"bulwark.rejections", []string{"pattern", redis.Kind, "name", "orders", "reason", ratelimit.ReasonExceeded}, 1},
		{"bulwark.rate_limit.backend_errors", []string{"name", "orders"}, 0},
		{"bulwark.rate_limit.failed_open", []string{"name", "orders"}, 0},
		{"bulwark.rate_limit.returned_permits", []string{"name", "orders"}, 0},
		{"bulwark.calls", []string{"pattern", redisbreaker.Kind, "name", "payments", "outcome", "rejected"}, 1},
		{"bulwark.shared_circuit.state", []string{"name", "payments", "state", "open"}, 1},
		{"bulwark.shared_circuit.state", []string{"name", "payments", "state", "closed"}, 0},
		{"bulwark.shared_circuit.state", []string{"name", "payments", "state", "half_open"}, 0},
		{"bulwark.shared_circuit.generation", []string{"name", "payments"}, 1},
		{"bulwark.shared_circuit.fallback", []string{"name", "payments"}, 0},
		{"bulwark.shared_circuit.flushes", []string{"name", "payments", "outcome", "error"}, 0},
		{"bulwark.shared_circuit.trials", []string{"name", "payments"}, 0},
		{"bulwark.calls", []string{"pattern", "circuitbreaker", "name", "payments", "outcome", "failure"}, 2},
		{"bulwark.collector.stats_errors", nil, 0},
	} {
		got, found := find(t, rm, tc.name, tc.kv...)
		if !found || got != tc.want {
			t.Errorf("%s%v: got %v (found %v), want %v", tc.name, tc.kv, got, found, tc.want)
		}
	}
	if got, ok := find(t, rm, "bulwark.shared_circuit.flushes", "name", "payments", "outcome", "success"); !ok || got < 1 {
		t.Errorf("flushes: got %v (found %v), want at least 1", got, ok)
	}
	if ps := points(rm, "bulwark.shared_circuit.flushes"); len(ps) != 2 || ps[0].unit != "{flush}" {
		t.Errorf("bulwark.shared_circuit.flushes: %d points (want 2, success and error), unit %v", len(ps), ps)
	}
	// Stats are read at collection time: a refusal shows in the next one.
	if err := l.Allow(context.Background(), "client-7", "2/minute"); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("a fourth request at 2/minute: %v", err)
	}
	if got, _ := find(t, collect(t, reader), "bulwark.calls", "pattern", redis.Kind, "name", "orders", "outcome", "rejected"); got != 2 {
		t.Errorf("rejected after one more refusal: got %v, want 2", got)
	}
}

// TestCollectStoppedSharedBreaker: a shared breaker whose engine has shut
// down cannot give its Stats; a collection sends none of its samples and
// counts it in bulwark.collector.stats_errors.
func TestCollectStoppedSharedBreaker(t *testing.T) {
	srv := redistest.Start(t, 0)
	client := srv.Client(t, nil)
	eng := enginetest.Start(t)
	gone := enginetest.Start(t)
	br := must(redisbreaker.New(gone, "gone", client, redisbreaker.Config{Prefix: t.Name(), Timeout: 5 * time.Second}))
	if err := gone.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	m := must(otel.New(eng, provider, otel.Options{}))
	if err := m.Add(br); err != nil {
		t.Fatal(err)
	}
	rm := collect(t, reader)
	if got, ok := find(t, rm, "bulwark.collector.stats_errors"); !ok || got != 1 {
		t.Errorf("stats_errors: got %v (found %v), want 1", got, ok)
	}
	if got, ok := find(t, rm, "bulwark.shared_circuit.generation", "name", "gone"); ok {
		t.Errorf("generation of a stopped breaker: %v, want no sample", got)
	}
}
