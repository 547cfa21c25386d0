package otel_test

import (
	"context"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/otel"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// BenchmarkBreakerCall is one call through a circuit breaker, with
// nobody collecting and with Metrics collected ten times a second (an
// exporter collects every 15 to 60 s): the call path is the same.
func BenchmarkBreakerCall(b *testing.B) {
	for _, collect := range []bool{false, true} {
		name := "observers=none"
		if collect {
			name = "observers=otel"
		}
		b.Run(name, func(b *testing.B) {
			eng := enginetest.Start(b)
			br := must(circuitbreaker.New(eng, "bench", circuitbreaker.Config{}))
			ctx, cancel := context.WithCancel(context.Background())
			var collector sync.WaitGroup
			defer func() { cancel(); collector.Wait() }()
			if collect {
				reader := sdkmetric.NewManualReader()
				provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
				defer provider.Shutdown(context.Background())
				m := must(otel.New(eng, provider, otel.Options{}))
				defer m.Close()
				collector.Go(func() {
					tick := time.NewTicker(100 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-tick.C:
							var rm metricdata.ResourceMetrics
							_ = reader.Collect(ctx, &rm)
						case <-ctx.Done():
							return
						}
					}
				})
			}
			ok := func(context.Context) error { return nil }
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := br.Execute(context.Background(), ok); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
