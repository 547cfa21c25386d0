package otel

import (
	"context"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/bulwark-go/bulwark/adapters/internal/measure"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// ScopeName is the instrumentation scope of the Meter that New asks the
// MeterProvider for.
const ScopeName = "github.com/bulwark-go/bulwark/adapters/otel"

// Options configures Metrics; the zero value takes every default. Its
// fields:
//
//   - Timeout bounds the Stats reads of one collection, all instances together
//     (default DefaultTimeout, at most LargestTimeout). A collection whose
//     context has an earlier deadline ends by that one.
//   - MaxInstances is how many instances one collection reports at most
//     (default DefaultMaxInstances, at most LargestMaxInstances); the rest
//     are left out and bulwark.collector.instances_skipped is 1.
//   - Instances holds the unsupervised instances to report besides the
//     supervised ones; it may be shared with the dashboard and the
//     Prometheus collector. Nil: Metrics keeps its own, filled by Add.
type Options measure.Options

// Validate returns a *messages.ConfigError naming the first field out of
// its bounds, or nil.
func (o Options) Validate() error { return measure.Options(o).Validate("otel") }

// Defaults and bounds of Options.
const (
	// DefaultTimeout bounds a collection's Stats reads when Options.Timeout
	// is 0.
	DefaultTimeout = measure.DefaultTimeout
	// LargestTimeout is the largest Options.Timeout (one minute).
	LargestTimeout = measure.LargestTimeout
	// DefaultMaxInstances is how many instances a collection reports when
	// Options.MaxInstances is 0.
	DefaultMaxInstances = measure.DefaultMaxInstances
	// LargestMaxInstances is the largest Options.MaxInstances (1,000,000).
	LargestMaxInstances = measure.LargestMaxInstances
)

// Metrics is a set of asynchronous OpenTelemetry instruments over an
// engine's instances, observed by one callback that reads every Stats when
// the SDK collects. It is safe for concurrent use (collections may
// overlap) and starts no goroutine; Close unregisters the callback.
type Metrics struct {
	src    *measure.Source
	ints   map[*measure.Metric]metric.Int64Observable
	floats map[*measure.Metric]metric.Float64Observable
	keys   map[*measure.Metric][]attribute.Key
	reg    metric.Registration
}

// New creates the instruments on a Meter of mp (scope ScopeName) and
// registers the callback that observes eng's instances. A nil eng or mp,
// or bad options, is a *messages.ConfigError; an error of mp's Meter is
// returned as it is.
func New(eng *engine.Engine, mp metric.MeterProvider, opts Options) (*Metrics, error) {
	if mp == nil {
		return nil, messages.InvalidConfig("otel", "MeterProvider", nil, "must not be nil")
	}
	src, err := measure.New("otel", eng, measure.Options(opts))
	if err != nil {
		return nil, err
	}
	m := &Metrics{src: src,
		ints:   make(map[*measure.Metric]metric.Int64Observable),
		floats: make(map[*measure.Metric]metric.Float64Observable),
		keys:   make(map[*measure.Metric][]attribute.Key)}
	meter := mp.Meter(ScopeName)
	all := make([]metric.Observable, 0, len(measure.All)+len(measure.Shared))
	for _, d := range slices.Concat(measure.All, measure.Shared) {
		o, err := instrument(meter, d)
		if err != nil {
			return nil, err
		}
		switch o := o.(type) {
		case metric.Int64Observable:
			m.ints[d] = o
		case metric.Float64Observable:
			m.floats[d] = o
		}
		keys := make([]attribute.Key, len(d.Labels))
		for i, l := range d.Labels {
			keys[i] = attribute.Key("bulwark." + l)
		}
		m.keys[d] = keys
		all = append(all, o)
	}
	if m.reg, err = meter.RegisterCallback(m.observe, all...); err != nil {
		return nil, err
	}
	return m, nil
}

// instrument creates d's asynchronous instrument on meter.
func instrument(meter metric.Meter, d *measure.Metric) (metric.Observable, error) {
	desc, unit := metric.WithDescription(d.Help), metric.WithUnit(d.Unit)
	switch {
	case d.Float() && d.Type == measure.Counter:
		return meter.Float64ObservableCounter(d.OTel, desc, unit)
	case d.Float():
		return meter.Float64ObservableGauge(d.OTel, desc, unit)
	case d.Type == measure.Counter:
		return meter.Int64ObservableCounter(d.OTel, desc, unit)
	case d.Type == measure.UpDown:
		return meter.Int64ObservableUpDownCounter(d.OTel, desc, unit)
	}
	return meter.Int64ObservableGauge(d.OTel, desc, unit)
}

// observe is the callback: one read of every instance.
func (m *Metrics) observe(ctx context.Context, o metric.Observer) error {
	m.src.Collect(ctx, func(d *measure.Metric, v float64, labels ...string) {
		keys := m.keys[d]
		kv := make([]attribute.KeyValue, len(labels))
		for i, l := range labels {
			kv[i] = keys[i].String(l)
		}
		attrs := metric.WithAttributeSet(attribute.NewSet(kv...))
		if f, ok := m.floats[d]; ok {
			o.ObserveFloat64(f, v, attrs)
		} else {
			o.ObserveInt64(m.ints[d], int64(v), attrs)
		}
	})
	return nil
}

// Add reports an unsupervised instance (a *retry.Retry, *timeout.Timeout,
// *timeout.Deadline, *hedge.Hedge, *fallback.Fallback, *coalesce.Group or
// *cache.Cache; see inventory.Set.Add) too, or an instance shared through
// Redis: a *redis.Limiter or a *redisbreaker.Breaker (see the package doc
// for their instruments). Adding one twice reports it once.
func (m *Metrics) Add(h any) error { return m.src.Add(h) }

// MaxSubscribers bounds how many drop counters AddSubscriber accepts
// (1,000).
const MaxSubscribers = measure.MaxSubscribers

// AddSubscriber reports the drops of an event subscriber (an
// *eventstream.Subscription, a dashboard's event handler, ...) as
// bulwark.events.dropped{bulwark.subscriber=name}. A name used twice, an
// empty name, a nil counter or more than MaxSubscribers is a
// *messages.ConfigError.
func (m *Metrics) AddSubscriber(name string, d interface{ Dropped() uint64 }) error {
	return m.src.AddSubscriber(name, d)
}

// Close unregisters the callback: later collections observe nothing from
// m. It is safe to call more than once.
func (m *Metrics) Close() error { return m.reg.Unregister() }
