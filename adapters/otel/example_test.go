package otel_test

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/otel"
	"github.com/bulwark-go/bulwark/engine"
)

func Example() {
	ctx := context.Background()
	eng, err := engine.New()
	if err != nil {
		panic(err)
	}
	defer eng.Shutdown(ctx)
	b, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{})
	if err != nil {
		panic(err)
	}
	for range 3 {
		_ = b.Execute(ctx, func(context.Context) error { return nil })
	}

	// In a service the reader is an exporter's (OTLP, Prometheus, ...).
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)
	m, err := otel.New(eng, provider, otel.Options{})
	if err != nil {
		panic(err)
	}
	defer m.Close()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			if metric.Name != "bulwark.calls" {
				continue
			}
			for _, p := range metric.Data.(metricdata.Sum[int64]).DataPoints {
				outcome, _ := p.Attributes.Value(attribute.Key("bulwark.outcome"))
				name, _ := p.Attributes.Value(attribute.Key("bulwark.name"))
				if outcome.AsString() == "success" {
					fmt.Println(metric.Name, metric.Unit, name.AsString(), outcome.AsString(), p.Value)
				}
			}
		}
	}
	// Output:
	// bulwark.calls {call} payments success 3
}
