package prometheus

import (
	"context"
	"slices"
	"strings"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/adapters/internal/measure"
	"github.com/bulwark-go/bulwark/engine"
)

// Defaults and bounds of Options.
const (
	// DefaultTimeout bounds a scrape's Stats reads when Options.Timeout is 0.
	DefaultTimeout = measure.DefaultTimeout
	// LargestTimeout is the largest Options.Timeout (one minute).
	LargestTimeout = measure.LargestTimeout
	// DefaultMaxInstances is how many instances a scrape reports when
	// Options.MaxInstances is 0.
	DefaultMaxInstances = measure.DefaultMaxInstances
	// LargestMaxInstances is the largest Options.MaxInstances (1,000,000).
	LargestMaxInstances = measure.LargestMaxInstances
)

// Options configures a Collector; the zero value takes every default. Its
// fields:
//
//   - Timeout bounds the Stats reads of one scrape, all instances together
//     (default DefaultTimeout, at most LargestTimeout). A scrape whose
//     context has an earlier deadline ends by that one.
//   - MaxInstances is how many instances one scrape reports at most
//     (default DefaultMaxInstances, at most LargestMaxInstances); the rest
//     are left out and bulwark_collector_instances_skipped is 1.
//   - Instances holds the unsupervised instances to report besides the
//     supervised ones; it may be shared with the dashboard and
//     adapters/otel. Nil: the Collector keeps its own, filled by Add.
type Options measure.Options

// Validate returns a *messages.ConfigError naming the first field out of
// its bounds, or nil.
func (o Options) Validate() error { return measure.Options(o).Validate("prometheus") }

// Collector is a prometheus.Collector over an engine's instances. It is
// safe for concurrent use (scrapes may overlap); it starts no goroutine.
type Collector struct {
	src *measure.Source
}

var _ prom.Collector = (*Collector)(nil)

// metrics lists every metric a Collector may send: measure.All, and
// measure.Shared for the instances shared through Redis.
var metrics = slices.Concat(measure.All, measure.Shared)

// descs holds the descriptor of each metric of metrics.
var descs = func() map[*measure.Metric]*prom.Desc {
	m := make(map[*measure.Metric]*prom.Desc, len(metrics))
	for _, d := range metrics {
		m[d] = prom.NewDesc(d.Prom, d.Help, d.Labels, nil)
	}
	return m
}()

// New returns a Collector over eng's instances. A nil eng or bad options
// are a *messages.ConfigError.
func New(eng *engine.Engine, opts Options) (*Collector, error) {
	src, err := measure.New("prometheus", eng, measure.Options(opts))
	if err != nil {
		return nil, err
	}
	return &Collector{src: src}, nil
}

// Add reports an unsupervised instance (a *retry.Retry, *timeout.Timeout,
// *timeout.Deadline, *hedge.Hedge, *fallback.Fallback, *coalesce.Group or
// *cache.Cache; see inventory.Set.Add) too, or an instance shared through
// Redis: a *redis.Limiter or a *redisbreaker.Breaker (see the package doc
// for their metrics). Adding one twice reports it once.
func (c *Collector) Add(h any) error { return c.src.Add(h) }

// MaxSubscribers bounds how many drop counters AddSubscriber accepts
// (1,000).
const MaxSubscribers = measure.MaxSubscribers

// AddSubscriber reports the drops of an event subscriber (an
// *eventstream.Subscription, a dashboard's event handler, ...) as
// bulwark_events_dropped_total{subscriber=name}. A name used twice, an
// empty name, a nil counter or more than MaxSubscribers is a
// *messages.ConfigError.
func (c *Collector) AddSubscriber(name string, d interface{ Dropped() uint64 }) error {
	return c.src.AddSubscriber(name, d)
}

// Describe sends the descriptors of every metric the Collector may send.
func (c *Collector) Describe(ch chan<- *prom.Desc) {
	for _, d := range metrics {
		ch <- descs[d]
	}
}

// Collect reads every instance's Stats, under one deadline of
// Options.Timeout, and sends their metrics.
func (c *Collector) Collect(ch chan<- prom.Metric) {
	c.src.Collect(context.Background(), func(m *measure.Metric, v float64, labels ...string) {
		t := prom.GaugeValue
		if m.Type == measure.Counter {
			t = prom.CounterValue
		}
		ch <- prom.MustNewConstMetric(descs[m], t, v, validUTF8(labels)...)
	})
}

// validUTF8 replaces the bytes of labels that are not UTF-8 (an instance
// may have any name), which Prometheus would refuse, with U+FFFD.
func validUTF8(labels []string) []string {
	for i, l := range labels {
		labels[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	return labels
}
