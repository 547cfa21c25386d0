package prometheus

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// Defaults and bounds of Options.
const (
	// DefaultTimeout bounds a scrape's Stats reads when Options.Timeout is 0.
	DefaultTimeout = 2 * time.Second
	// MaxTimeout is the largest Options.Timeout (one minute).
	MaxTimeout = time.Minute
	// DefaultMaxInstances is how many instances a scrape reports when
	// Options.MaxInstances is 0.
	DefaultMaxInstances = 10_000
	// MaxSubscribers bounds how many drop counters AddSubscriber accepts
	// (1,000).
	MaxSubscribers = 1000
)

// Options configures a Collector. The zero value takes every default.
type Options struct {
	// Timeout bounds the Stats reads of one scrape, all instances together
	// (default DefaultTimeout, at most MaxTimeout).
	Timeout time.Duration
	// MaxInstances is how many instances one scrape reports at most
	// (default DefaultMaxInstances, at most inventory.MaxInstances); the
	// rest are left out and bulwark_collector_instances_skipped is 1.
	MaxInstances int
	// Instances holds the stateless instances to report besides the
	// supervised ones; it may be shared with the dashboard. Nil: the
	// Collector keeps its own, filled by Add.
	Instances *inventory.Set
}

// Validate returns a *messages.ConfigError naming the first field out of
// its bounds, or nil.
func (o Options) Validate() error {
	switch {
	case o.Timeout < 0 || o.Timeout > MaxTimeout:
		return messages.InvalidConfig("prometheus", "Timeout", o.Timeout, "must be in [0, 1m] (0: default 2s)")
	case o.MaxInstances < 0 || o.MaxInstances > inventory.MaxInstances:
		return messages.InvalidConfig("prometheus", "MaxInstances", o.MaxInstances, "must be in [0, 1000000] (0: default 10000)")
	}
	return nil
}

// Collector is a prometheus.Collector over an engine's instances. It is
// safe for concurrent use (scrapes may overlap); it starts no goroutine.
type Collector struct {
	eng  *engine.Engine
	opts Options
	subs atomic.Pointer[[]subscriber]
}

// subscriber is a registered drop counter.
type subscriber struct {
	name    string
	dropped interface{ Dropped() uint64 }
}

var _ prom.Collector = (*Collector)(nil)

// New returns a Collector over eng's instances. eng must not be nil; bad
// options are a *messages.ConfigError.
func New(eng *engine.Engine, opts Options) (*Collector, error) {
	if eng == nil {
		return nil, messages.InvalidConfig("prometheus", "engine", nil, "must not be nil")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxInstances == 0 {
		opts.MaxInstances = DefaultMaxInstances
	}
	if opts.Instances == nil {
		opts.Instances = &inventory.Set{}
	}
	return &Collector{eng: eng, opts: opts}, nil
}

// Add reports a stateless instance (a *retry.Retry, *timeout.Timeout,
// *timeout.Deadline or *fallback.Fallback) too; see inventory.Set.Add.
func (c *Collector) Add(h any) error { return c.opts.Instances.Add(h) }

// AddSubscriber reports the drops of an event subscriber (an
// *eventstream.Subscription, a dashboard's event handler, ...) as
// bulwark_events_dropped_total{subscriber=name}. A name used twice, an
// empty name, a nil counter or more than MaxSubscribers is a
// *messages.ConfigError.
func (c *Collector) AddSubscriber(name string, d interface{ Dropped() uint64 }) error {
	if name == "" || d == nil {
		return messages.InvalidConfig("prometheus", "subscriber", name, "must have a name and a drop counter")
	}
	for {
		old := c.subs.Load()
		var list []subscriber
		if old != nil {
			list = *old
		}
		if len(list) >= MaxSubscribers {
			return messages.InvalidConfig("prometheus", "subscribers", len(list)+1, "must be at most MaxSubscribers (1000)")
		}
		for _, s := range list {
			if s.name == name {
				return messages.InvalidConfig("prometheus", "subscriber", name, "must be unique")
			}
		}
		next := append(append(make([]subscriber, 0, len(list)+1), list...), subscriber{name, d})
		if c.subs.CompareAndSwap(old, &next) {
			return nil
		}
	}
}

// Describe sends the descriptors of every metric the Collector may send.
func (c *Collector) Describe(ch chan<- *prom.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect reads every instance's Stats, under one deadline of
// Options.Timeout, and sends their metrics.
func (c *Collector) Collect(ch chan<- prom.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	list, truncated := inventory.List(ctx, c.eng, c.opts.Instances, c.opts.MaxInstances)
	errs := 0
	for _, in := range list {
		up := 0.0
		if in.Status == supervisor.Running {
			up = 1
		}
		gauge(ch, descUp, up, in.Kind, in.Name)
		counter(ch, descRestarts, float64(in.Restarts), in.Kind, in.Name)
		if in.Err != nil {
			errs++
			continue
		}
		collectStats(ch, in)
	}
	gauge(ch, descStatsErrors, float64(errs))
	skipped := 0.0
	if truncated {
		skipped = 1
	}
	gauge(ch, descSkipped, skipped)
	if p := c.subs.Load(); p != nil {
		for _, s := range *p {
			counter(ch, descEventsDropped, float64(s.dropped.Dropped()), s.name)
		}
	}
}

func gauge(ch chan<- prom.Metric, d *prom.Desc, v float64, labels ...string) {
	ch <- prom.MustNewConstMetric(d, prom.GaugeValue, v, validUTF8(labels)...)
}

func counter(ch chan<- prom.Metric, d *prom.Desc, v float64, labels ...string) {
	ch <- prom.MustNewConstMetric(d, prom.CounterValue, v, validUTF8(labels)...)
}

// validUTF8 replaces the bytes of labels that are not UTF-8 (an instance
// may have any name), which Prometheus would refuse, with U+FFFD.
func validUTF8(labels []string) []string {
	for i, l := range labels {
		labels[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	return labels
}
