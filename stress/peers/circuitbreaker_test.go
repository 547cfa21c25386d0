package peers

import (
	"context"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
)

// Side by side: Execute of a no-op in CLOSED state, Bulwark's breaker
// (snapshot admission, one-way report) against sony/gobreaker/v2 (a mutex
// around a generation counter).

func newBulwarkBreaker(b *testing.B) *circuitbreaker.Breaker {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eng.Shutdown(ctx)
	})
	br, err := circuitbreaker.New(eng, "bench", circuitbreaker.Config{})
	if err != nil {
		b.Fatal(err)
	}
	return br
}

func noop(context.Context) error { return nil }

func BenchmarkCircuitBreakerBulwark(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		br := newBulwarkBreaker(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, noop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := newBulwarkBreaker(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := br.Execute(ctx, noop); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func BenchmarkCircuitBreakerGobreaker(b *testing.B) {
	fn := func() (struct{}, error) { return struct{}{}, nil }
	b.Run("serial", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cb.Execute(fn); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := cb.Execute(fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
