package peers

import (
	"context"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	fsbulkhead "github.com/failsafe-go/failsafe-go/bulkhead"
	fsbreaker "github.com/failsafe-go/failsafe-go/circuitbreaker"
	fsretry "github.com/failsafe-go/failsafe-go/retrypolicy"
	fstimeout "github.com/failsafe-go/failsafe-go/timeout"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
)

func composeNoop(context.Context) (int, error) { return 1, nil }

func composeNoopFS() (int, error) { return 1, nil }

// bulwarkComposition builds retry → breaker → timeout → bulkhead, the
// order failsafe.With(retry, breaker, timeout, bulkhead) runs.
func bulwarkComposition(b *testing.B, withGuards, cooperative bool) *engine.Composition[int] {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Shutdown(context.Background()) })
	r, _ := retry.New(eng, "bench", retry.Config{})
	to, _ := timeout.New(eng, "bench", timeout.Config{Timeout: time.Minute, Cooperative: cooperative})
	p := engine.Policies[int]{Retry: retry.For[int](r), Timeout: timeout.For[int](to)}
	if withGuards {
		br, err := circuitbreaker.New(eng, "bench", circuitbreaker.Config{})
		if err != nil {
			b.Fatal(err)
		}
		bh, err := bulkhead.New(eng, "bench", bulkhead.Config{MaxInFlight: 1 << 16})
		if err != nil {
			b.Fatal(err)
		}
		p.CircuitBreaker = br
		p.Admission = []engine.Guard{bh}
	}
	return engine.Compose(p)
}

func runBulwark(b *testing.B, c *engine.Composition[int]) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Get(ctx, composeNoop); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func runFailsafe(b *testing.B, ex failsafe.Executor[int]) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ex.Get(composeNoopFS); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkComposeRetryTimeout: retry + timeout around a no-op.
func BenchmarkComposeRetryTimeout(b *testing.B) {
	b.Run("bulwark", func(b *testing.B) { runBulwark(b, bulwarkComposition(b, false, true)) })
	b.Run("bulwark-own-goroutine", func(b *testing.B) { runBulwark(b, bulwarkComposition(b, false, false)) })
	b.Run("failsafe", func(b *testing.B) {
		runFailsafe(b, failsafe.With[int](fsretry.NewWithDefaults[int](), fstimeout.New[int](time.Minute)))
	})
}

// BenchmarkComposeFull: retry + circuit breaker + timeout + bulkhead
// around a no-op (the yardstick: ≤ 0.5× failsafe-go, ≤ 2 allocs).
func BenchmarkComposeFull(b *testing.B) {
	b.Run("bulwark", func(b *testing.B) { runBulwark(b, bulwarkComposition(b, true, true)) })
	b.Run("failsafe", func(b *testing.B) {
		runFailsafe(b, failsafe.With[int](
			fsretry.NewWithDefaults[int](),
			fsbreaker.NewWithDefaults[int](),
			fstimeout.New[int](time.Minute),
			fsbulkhead.New[int](1<<16),
		))
	})
}
