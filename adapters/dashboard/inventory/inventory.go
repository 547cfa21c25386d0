// Package inventory lists every pattern instance of an engine with a value
// copy of its Stats: the read side that the dashboard and the metrics
// exporters share. It reads what the supervisor lists (every stateful
// pattern, and retry budgets) plus the stateless instances (retry,
// timeout, deadline, fallback, hedge, coalesce, cache) registered by hand
// in a Set, since those are not supervised. Reading never stops an instance and touches nothing
// on the call path: each stateful instance answers one Stats message.
package inventory

import (
	"context"
	"reflect"
	"slices"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/internal/cowlist"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// MaxInstances bounds how many instances one List returns (and a Set may
// hold): 1,000,000, the size of the largest registry the engine runs.
const MaxInstances = 1_000_000

// Instance is a value copy of one instance at the time List read it.
type Instance struct {
	// Kind is the pattern's kind (circuitbreaker.Kind, ...); Name is the
	// instance's name.
	Kind, Name string
	// Status is the supervisor's status of the instance (Running for one
	// registered in a Set).
	Status supervisor.Status
	// Restarts counts the instance's restarts.
	Restarts int
	// Stats is the instance's Stats value: a circuitbreaker.Stats,
	// bulkhead.Stats, backpressure.Stats, loadshed.Stats, ratelimit.Stats,
	// adaptive.Stats, retry.BudgetStats, retry.Stats, timeout.Stats,
	// fallback.Stats, hedge.Stats, coalesce.Stats or cache.Stats. It is
	// nil when Err is set or the kind is unknown.
	Stats any
	// Err is why Stats could not be read (the instance is stopped, or ctx
	// ended first). It may carry error text: never show it to users.
	Err error
}

// reader reads the Stats of the handles whose Stats method returns S,
// whichever of the two method shapes the pattern has. name, set for the
// stateless kinds, returns the Name field of their Stats: the name of a
// handle in a Set that has no Name method.
type reader struct {
	kind  string
	match func(h any) bool
	read  func(ctx context.Context, h any) (any, error)
	name  func(stats any) string
}

// readerFor returns the reader of the kind whose Stats are S; name, if not
// nil, reads the instance's name from its Stats.
func readerFor[S any](kind string, name func(S) string) reader {
	type withCtx = interface {
		Stats(context.Context) (S, error)
	}
	type plain = interface{ Stats() S }
	return reader{
		kind: kind,
		match: func(h any) bool {
			switch h.(type) {
			case withCtx, plain:
				return true
			}
			return false
		},
		read: func(ctx context.Context, h any) (any, error) {
			switch h := h.(type) {
			case withCtx:
				s, err := h.Stats(ctx)
				if err != nil {
					return nil, err
				}
				return s, nil
			case plain:
				return h.Stats(), nil
			}
			return nil, nil
		},
		name: func(s any) string {
			if v, ok := s.(S); ok && name != nil {
				return name(v)
			}
			return ""
		},
	}
}

// readers lists every kind List knows, the supervised ones first.
var readers = []reader{
	readerFor[circuitbreaker.Stats](circuitbreaker.Kind, nil),
	readerFor[bulkhead.Stats](bulkhead.Kind, nil),
	readerFor[backpressure.Stats](backpressure.Kind, nil),
	readerFor[loadshed.Stats](loadshed.Kind, nil),
	readerFor[ratelimit.Stats](ratelimit.Kind, nil),
	readerFor[adaptive.Stats](adaptive.Kind, nil),
	readerFor[retry.BudgetStats](retry.BudgetKind, nil),
	readerFor(retry.Kind, func(s retry.Stats) string { return s.Name }),
	readerFor(timeout.Kind, func(s timeout.Stats) string { return s.Name }),
	readerFor(fallback.Kind, func(s fallback.Stats) string { return s.Name }),
	readerFor(hedge.Kind, func(s hedge.Stats) string { return s.Name }),
	readerFor(coalesce.Kind, func(s coalesce.Stats) string { return s.Name }),
	readerFor(cache.Kind, func(s cache.Stats) string { return s.Name }),
}

func readerOf(h any) (reader, bool) {
	for _, r := range readers {
		if r.match(h) {
			return r, true
		}
	}
	return reader{}, false
}

// entry is one instance registered in a Set.
type entry struct {
	kind, name string
	handle     any
}

// Set holds the stateless instances (retry, timeout, deadline, fallback,
// hedge, coalesce, cache) that List should report besides the supervised
// ones. The zero value is an empty Set ready to use; a Set is safe for
// concurrent use.
type Set struct {
	entries cowlist.List[entry]
}

// Add registers h: a *retry.Retry, *timeout.Timeout, *timeout.Deadline,
// *fallback.Fallback, *hedge.Hedge, a *coalesce.Group or *cache.Cache of
// any type, or any other handle whose Stats method returns one of the
// Stats types Instance lists. Anything else, a nil
// handle, or more than MaxInstances entries is a *messages.ConfigError.
// Adding the same handle (the same pointer) twice lists it once.
func (s *Set) Add(h any) error {
	r, ok := readerOf(h)
	if h == nil || !ok {
		return messages.InvalidConfig("inventory", "handle", typeName(h), "must be a Bulwark pattern handle with a Stats method")
	}
	e := entry{kind: r.kind, handle: h, name: nameOf(h)}
	if _, ok := h.(*timeout.Deadline); ok {
		e.kind = timeout.DeadlineKind
	}
	return s.entries.Add(e, func(list []entry) (bool, error) {
		if reflect.TypeOf(h).Comparable() && slices.ContainsFunc(list, func(x entry) bool { return x.handle == h }) {
			return false, nil
		}
		if len(list) >= MaxInstances {
			return false, messages.InvalidConfig("inventory", "handles", len(list)+1, "must be at most inventory.MaxInstances (1000000)")
		}
		return true, nil
	})
}

func (s *Set) list() []entry {
	if s == nil {
		return nil
	}
	return s.entries.Load()
}

// List returns every instance of eng (oldest first) and then those of set
// (in the order added; set may be nil), at most limit of them (limit <= 0
// or above MaxInstances means MaxInstances). It reports whether it had to
// leave instances out. ratelimit's extra shards are part of their
// limiter's Stats and are not listed. Stats are asked with ctx: an
// instance that does not answer before ctx ends gets ctx's error, so a
// deadline on ctx bounds the whole List. List is safe for concurrent use.
func List(ctx context.Context, eng *engine.Engine, set *Set, limit int) (out []Instance, truncated bool) {
	if limit <= 0 || limit > MaxInstances {
		limit = MaxInstances
	}
	var children []supervisor.Child
	if eng != nil && !eng.Stopped() {
		children = eng.Supervisor().List()
	}
	for _, c := range children {
		if c.Kind == ratelimit.ShardKind {
			continue
		}
		if len(out) == limit {
			return out, true
		}
		in := Instance{Kind: c.Kind, Name: c.Name, Status: c.Status, Restarts: c.Restarts}
		if r, ok := readerOf(c.Handle); ok {
			in.Stats, in.Err = r.read(ctx, c.Handle)
		}
		out = append(out, in)
	}
	for _, e := range set.list() {
		if len(out) == limit {
			return out, true
		}
		r, _ := readerOf(e.handle)
		in := Instance{Kind: e.kind, Name: e.name, Status: supervisor.Running}
		in.Stats, in.Err = r.read(ctx, e.handle)
		if in.Name == "" {
			in.Name = r.name(in.Stats)
		}
		out = append(out, in)
	}
	return out, false
}

// nameOf returns h's name from its Name method or its Stats.
func nameOf(h any) string {
	if n, ok := h.(interface{ Name() string }); ok {
		return n.Name()
	}
	return ""
}

func typeName(h any) string {
	if h == nil {
		return "nil"
	}
	return reflect.TypeOf(h).String()
}
