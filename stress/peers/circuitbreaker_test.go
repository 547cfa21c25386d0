package peers

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
)

// Side by side: Execute of a no-op in CLOSED state, Bulwark's breaker
// (snapshot admission, a success counted on a striped counter) against
// sony/gobreaker/v2 (a mutex around a generation counter).

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

func cbNoop(context.Context) error { return nil }

func BenchmarkCircuitBreakerBulwark(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		br := newBulwarkBreaker(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, cbNoop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := newBulwarkBreaker(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := br.Execute(ctx, cbNoop); err != nil {
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

// cbCallers10k runs call from 10,000 goroutines and reports calls/s and the
// p99 latency of one call in 64 (the rest go unmeasured, to keep the clock
// reads out of the figure).
func cbCallers10k(b *testing.B, call func() error) {
	const callers = 10000
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((callers + procs - 1) / procs)
	samples := make(chan []time.Duration, callers+procs)
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for i := 0; pb.Next(); i++ {
			if i%64 != 0 {
				if err := call(); err != nil {
					b.Fatal(err)
				}
				continue
			}
			t := time.Now()
			if err := call(); err != nil {
				b.Fatal(err)
			}
			mine = append(mine, time.Since(t))
		}
		samples <- mine
	})
	elapsed := time.Since(start)
	close(samples)
	var all []time.Duration
	for s := range samples {
		all = append(all, s...)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	if len(all) > 0 {
		slices.Sort(all)
		b.ReportMetric(float64(all[len(all)*99/100].Nanoseconds()), "p99-ns")
	}
}

func BenchmarkCircuitBreaker10kCallers(b *testing.B) {
	ctx := context.Background()
	b.Run("bulwark", func(b *testing.B) {
		br := newBulwarkBreaker(b)
		cbCallers10k(b, func() error { return br.Execute(ctx, cbNoop) })
	})
	b.Run("gobreaker", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "bench"})
		fn := func() (struct{}, error) { return struct{}{}, nil }
		cbCallers10k(b, func() error { _, err := cb.Execute(fn); return err })
	})
}
