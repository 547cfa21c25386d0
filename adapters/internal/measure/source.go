package measure

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/adapters/internal/cowlist"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// Defaults and bounds of a Source, which the exporters' Options echo.
const (
	// DefaultTimeout bounds one collection's Stats reads when Timeout is 0.
	DefaultTimeout = 2 * time.Second
	// LargestTimeout is the largest Timeout (one minute).
	LargestTimeout = time.Minute
	// DefaultMaxInstances is how many instances one collection reports
	// when MaxInstances is 0.
	DefaultMaxInstances = 10_000
	// LargestMaxInstances is the largest MaxInstances.
	LargestMaxInstances = inventory.MaxInstances
	// MaxSubscribers bounds how many drop counters AddSubscriber accepts.
	MaxSubscribers = 1000
)

// Options is what a Source reads and how long it may take. It is the
// Options of adapters/prometheus and adapters/otel, each of which defines
// its Options as this type. The zero value takes every default.
type Options struct {
	// Timeout bounds the Stats reads of one collection (a scrape), all
	// instances together: [0, LargestTimeout], 0 means DefaultTimeout. A
	// collection whose context has an earlier deadline ends by that one.
	Timeout time.Duration
	// MaxInstances bounds the instances one collection reports:
	// [0, LargestMaxInstances], 0 means DefaultMaxInstances. The rest are
	// left out and the Skipped metric is 1.
	MaxInstances int
	// Instances holds the unsupervised instances to report besides the
	// supervised ones; it may be shared with the dashboard and the other
	// exporter. Nil means a Set of the Source's own, filled by Add.
	Instances *inventory.Set
}

// Validate returns a *messages.ConfigError, with exporter as its pattern,
// naming the first field out of its bounds; or nil.
func (o Options) Validate(exporter string) error {
	switch {
	case o.Timeout < 0 || o.Timeout > LargestTimeout:
		return messages.InvalidConfig(exporter, "Timeout", o.Timeout, "must be in [0, 1m] (0: default 2s)")
	case o.MaxInstances < 0 || o.MaxInstances > LargestMaxInstances:
		return messages.InvalidConfig(exporter, "MaxInstances", o.MaxInstances, "must be in [0, 1000000] (0: default 10000)")
	}
	return nil
}

// subscriber is a registered drop counter.
type subscriber struct {
	name    string
	dropped interface{ Dropped() uint64 }
}

// Source reads an engine's instances for an exporter. It is safe for
// concurrent use (collections may overlap) and starts no goroutine.
type Source struct {
	exporter string
	eng      *engine.Engine
	opts     Options
	subs     cowlist.List[subscriber]
	shared   cowlist.List[any] // *redis.Limiter and *redisbreaker.Breaker (Add)
}

// New returns a Source over eng's instances for the exporter named
// exporter (the pattern of its errors). A nil eng or bad opts is a
// *messages.ConfigError.
func New(exporter string, eng *engine.Engine, opts Options) (*Source, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(exporter, "engine", nil, "must not be nil")
	}
	if err := opts.Validate(exporter); err != nil {
		return nil, err
	}
	opts.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	opts.MaxInstances = cmp.Or(opts.MaxInstances, DefaultMaxInstances)
	if opts.Instances == nil {
		opts.Instances = &inventory.Set{}
	}
	return &Source{exporter: exporter, eng: eng, opts: opts}, nil
}

// Add reports an instance that the supervisor does not list: one shared
// through Redis (a *redis.Limiter or a *redisbreaker.Breaker, whose
// samples include the metrics of Shared), or one inventory.Set.Add takes.
// Adding an instance twice reports it once.
func (s *Source) Add(h any) error {
	if !isShared(h) {
		return s.opts.Instances.Add(h)
	}
	return s.shared.Add(h, func(list []any) (bool, error) {
		if slices.Contains(list, h) {
			return false, nil
		}
		if len(list) >= LargestMaxInstances {
			return false, messages.InvalidConfig(s.exporter, "handles", len(list)+1, "must be at most inventory.MaxInstances (1000000)")
		}
		return true, nil
	})
}

// AddSubscriber reports the drops of an event subscriber as EventsDropped
// with the label subscriber=name. An empty name, a name used twice, a nil
// counter or more than MaxSubscribers is a *messages.ConfigError.
func (s *Source) AddSubscriber(name string, d interface{ Dropped() uint64 }) error {
	if name == "" || d == nil {
		return messages.InvalidConfig(s.exporter, "subscriber", name, "must have a name and a drop counter")
	}
	return s.subs.Add(subscriber{name, d}, func(list []subscriber) (bool, error) {
		if len(list) >= MaxSubscribers {
			return false, messages.InvalidConfig(s.exporter, "subscribers", len(list)+1, fmt.Sprintf("must be at most %d", MaxSubscribers))
		}
		for _, x := range list {
			if x.name == name {
				return false, messages.InvalidConfig(s.exporter, "subscriber", name, "must be unique")
			}
		}
		return true, nil
	})
}

// Collect reads every instance's Stats under one deadline (Timeout after
// the call, or ctx's if sooner) and sends their samples to emit, then those
// of the instances shared through Redis, then StatsErrors, Skipped and each
// subscriber's EventsDropped. A supervised or inventoried instance whose
// Stats could not be read in time sends only Up and Restarts, a shared one
// nothing; each is counted in StatsErrors. emit runs in Collect's goroutine.
func (s *Source) Collect(ctx context.Context, emit Emit) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	list, truncated := inventory.List(ctx, s.eng, s.opts.Instances, s.opts.MaxInstances)
	errs := 0
	for _, in := range list {
		emit(Up, flag(in.Status == supervisor.Running), in.Kind, in.Name)
		emit(Restarts, float64(in.Restarts), in.Kind, in.Name)
		if in.Err != nil {
			errs++
			continue
		}
		Stats(emit, in)
	}
	for _, h := range s.shared.Load() {
		if !sharedStats(ctx, emit, h) {
			errs++
		}
	}
	emit(StatsErrors, float64(errs))
	emit(Skipped, flag(truncated))
	for _, x := range s.subs.Load() {
		emit(EventsDropped, float64(x.dropped.Dropped()), x.name)
	}
}
