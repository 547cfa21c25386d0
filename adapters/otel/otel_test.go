package otel_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/adapters/internal/measure"
	"github.com/bulwark-go/bulwark/adapters/otel"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBackend = errors.New("backend: connection refused to 10.0.0.7")

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// collect runs one collection of reader.
func collect(t *testing.T, reader *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

// point is one data point, flattened.
type point struct {
	unit  string
	attrs attribute.Set
	value float64
}

// points returns the data points of the instrument called name.
func points(rm metricdata.ResourceMetrics, name string) []point {
	var out []point
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out = append(out, point{m.Unit, p.Attributes, float64(p.Value)})
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out = append(out, point{m.Unit, p.Attributes, float64(p.Value)})
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					out = append(out, point{m.Unit, p.Attributes, p.Value})
				}
			}
		}
	}
	return out
}

// find returns the value of name's data point whose attributes include
// every key=value of kv ("bulwark." is prefixed to each key).
func find(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...string) (float64, bool) {
	t.Helper()
next:
	for _, p := range points(rm, name) {
		for i := 0; i+1 < len(kv); i += 2 {
			if v, ok := p.attrs.Value(attribute.Key("bulwark." + kv[i])); !ok || v.AsString() != kv[i+1] {
				continue next
			}
		}
		return p.value, true
	}
	return 0, false
}

func TestCollectionReportsInstancesAfterRealCalls(t *testing.T) {
	ctx := context.Background()
	eng := enginetest.Start(t)
	b := must(circuitbreaker.New(eng, "payments", circuitbreaker.Config{FailureThreshold: 2, RecoveryTimeout: time.Hour}))
	ok := func(context.Context) error { return nil }
	fail := func(context.Context) error { return errBackend }
	if err := b.Execute(ctx, ok); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_ = b.Execute(ctx, fail)
	}
	if err := b.Execute(ctx, ok); !messages.IsRefusal(err) {
		t.Fatalf("call through an open breaker: got %v, want a refusal", err)
	}
	g := must(coalesce.New[int](eng, "lookups", coalesce.Config{}))
	for range 3 {
		if _, err := g.Do(ctx, "k", func(context.Context) (int, error) { return 1, nil }); err != nil {
			t.Fatal(err)
		}
	}

	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	m := must(otel.New(eng, provider, otel.Options{}))
	if err := m.Add(g); err != nil {
		t.Fatal(err)
	}
	rm := collect(t, reader)

	for _, tc := range []struct {
		name string
		kv   []string
		want float64
	}{
		{"bulwark.calls", []string{"pattern", "circuitbreaker", "name", "payments", "outcome", "success"}, 1},
		{"bulwark.calls", []string{"pattern", "circuitbreaker", "name", "payments", "outcome", "failure"}, 2},
		{"bulwark.calls", []string{"pattern", "circuitbreaker", "name", "payments", "outcome", "rejected"}, 1},
		{"bulwark.circuit.state", []string{"name", "payments", "state", "open"}, 1},
		{"bulwark.circuit.state", []string{"name", "payments", "state", "closed"}, 0},
		{"bulwark.instance.up", []string{"pattern", "circuitbreaker", "name", "payments"}, 1},
		{"bulwark.calls", []string{"pattern", "coalesce", "name", "lookups", "outcome", "leader"}, 3},
		{"bulwark.in_flight", []string{"pattern", "coalesce", "name", "lookups"}, 0},
		{"bulwark.collector.stats_errors", nil, 0},
		{"bulwark.collector.instances_skipped", nil, 0},
	} {
		got, found := find(t, rm, tc.name, tc.kv...)
		if !found || got != tc.want {
			t.Errorf("%s%v: got %v (found %v), want %v", tc.name, tc.kv, got, found, tc.want)
		}
	}
	if ps := points(rm, "bulwark.calls"); len(ps) == 0 || ps[0].unit != "{call}" {
		t.Errorf("bulwark.calls: got %d points, unit %q; want some, unit {call}", len(ps), ps[0].unit)
	}
	// Stats are read at collection time: a new call shows in the next one.
	_ = b.Execute(ctx, ok)
	if got, _ := find(t, collect(t, reader), "bulwark.calls", "name", "payments", "outcome", "rejected"); got != 2 {
		t.Errorf("rejected after one more call: got %v, want 2", got)
	}
}

// stuck is a handle whose Stats never answers before its context ends.
type stuck struct{ id int }

func (stuck) Stats(ctx context.Context) (hedge.Stats, error) {
	<-ctx.Done()
	return hedge.Stats{}, ctx.Err()
}

func (stuck) Name() string { return "stuck" }

func TestOneDeadlineBoundsACollection(t *testing.T) {
	eng := enginetest.Start(t)
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	m := must(otel.New(eng, provider, otel.Options{Timeout: 20 * time.Millisecond}))
	for i := range 3 {
		if err := m.Add(&stuck{id: i}); err != nil {
			t.Fatal(err)
		}
	}
	rm := collect(t, reader) // returns: the three reads share one deadline
	if got, _ := find(t, rm, "bulwark.collector.stats_errors"); got != 3 {
		t.Errorf("stats_errors: got %v, want 3", got)
	}
	if got, ok := find(t, rm, "bulwark.instance.up", "pattern", "hedge", "name", "stuck"); !ok || got != 1 {
		t.Errorf("up of a stuck instance: got %v (found %v), want 1", got, ok)
	}
	if _, ok := find(t, rm, "bulwark.calls", "name", "stuck"); ok {
		t.Error("a stuck instance's calls were reported, want none")
	}
}

type drops uint64

func (d drops) Dropped() uint64 { return uint64(d) }

func TestSubscribersAndClose(t *testing.T) {
	eng := enginetest.Start(t)
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	m := must(otel.New(eng, provider, otel.Options{}))
	if err := m.AddSubscriber("browser", drops(5)); err != nil {
		t.Fatal(err)
	}
	if err := m.AddSubscriber("browser", drops(1)); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("a subscriber name used twice: got %v, want ErrInvalidConfig", err)
	}
	if got, ok := find(t, collect(t, reader), "bulwark.events.dropped", "subscriber", "browser"); !ok || got != 5 {
		t.Errorf("events.dropped: got %v (found %v), want 5", got, ok)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if ps := points(collect(t, reader), "bulwark.events.dropped"); len(ps) != 0 {
		t.Errorf("after Close: got %d points, want none", len(ps))
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	eng := enginetest.Start(t)
	provider := sdkmetric.NewMeterProvider()
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	for _, tc := range []struct {
		name, field string
		err         func() error
	}{
		{"nil engine", "engine", func() error { _, err := otel.New(nil, provider, otel.Options{}); return err }},
		{"nil provider", "MeterProvider", func() error { _, err := otel.New(eng, nil, otel.Options{}); return err }},
		{"negative timeout", "Timeout", func() error { _, err := otel.New(eng, provider, otel.Options{Timeout: -1}); return err }},
		{"timeout too long", "Timeout", func() error {
			_, err := otel.New(eng, provider, otel.Options{Timeout: otel.LargestTimeout + 1})
			return err
		}},
		{"too many instances", "MaxInstances", func() error {
			_, err := otel.New(eng, provider, otel.Options{MaxInstances: otel.LargestMaxInstances + 1})
			return err
		}},
	} {
		err := tc.err()
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: got %v, want a ConfigError naming %s", tc.name, err, tc.field)
		}
	}
}

// The package doc lists every instrument, with its unit.
func TestDocListsEveryInstrument(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range measure.All {
		found := false
		for _, line := range strings.Split(string(doc), "\n") {
			f := strings.Fields(strings.TrimPrefix(line, "//"))
			if len(f) >= 3 && f[0] == m.OTel && f[2] == m.Unit {
				found = true
			}
		}
		if !found {
			t.Errorf("doc.go does not list %s with unit %s", m.OTel, m.Unit)
		}
	}
}
