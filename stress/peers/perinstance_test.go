package peers

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	fsadaptive "github.com/failsafe-go/failsafe-go/adaptivelimiter"
	fsbulkhead "github.com/failsafe-go/failsafe-go/bulkhead"
	fscb "github.com/failsafe-go/failsafe-go/circuitbreaker"
	fsratelimiter "github.com/failsafe-go/failsafe-go/ratelimiter"
	"github.com/sony/gobreaker/v2"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// perInstanceN is how many instances each implementation of a kind creates.
const perInstanceN = 2000

// heapAndStack returns the heap and stack bytes in use after a full
// collection.
func heapAndStack() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// instanceCost creates perInstanceN instances with newOne and returns the
// bytes and goroutines one costs while idle, and the time to create one.
func instanceCost(t *testing.T, newOne func(i int) (any, error)) (bytes, goroutines float64, create time.Duration, keep []any) {
	t.Helper()
	keep = make([]any, perInstanceN)
	g0, b0 := runtime.NumGoroutine(), heapAndStack()
	start := time.Now()
	for i := range keep {
		var err error
		if keep[i], err = newOne(i); err != nil {
			t.Fatal(err)
		}
	}
	create = time.Since(start) / perInstanceN
	// Until each instance keeps one goroutine or none (on demand, the
	// goroutines its creation started are ending), or a second has passed.
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); runtime.Gosched() {
		if d := runtime.NumGoroutine() - g0; d <= 0 || d == perInstanceN {
			break
		}
	}
	b1, g1 := heapAndStack(), runtime.NumGoroutine()
	return float64(b1-b0) / perInstanceN, float64(g1-g0) / perInstanceN, create, keep
}

// p99 calls f with each instance and returns the 99th percentile of the
// times the calls took.
func p99(t *testing.T, instances []any, f func(any) error) time.Duration {
	t.Helper()
	took := make([]time.Duration, len(instances))
	for i, h := range instances {
		start := time.Now()
		if err := f(h); err != nil {
			t.Fatal(err)
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return took[len(took)*99/100]
}

// instanceKind is one stateful kind TestPerInstance measures.
type instanceKind struct {
	kind string
	// bulwark gets or creates Bulwark's instance called name with the
	// default config; stats is its Stats(ctx), the cheapest call that
	// reaches the actor.
	bulwark func(eng *engine.Engine, name string) (any, error)
	stats   func(h any) error
	// peers are the other libraries' per-instance equivalents.
	peers []instancePeer
}

// instancePeer is a peer's instance of a kind: how to create one (peers
// keep no registry) and its cheapest call.
type instancePeer struct {
	name   string
	newOne func(i int) any
	call   func(h any)
}

// instanceKinds lists every stateful kind with its peers: gobreaker for
// breakers only; failsafe-go for breakers, rate limiters, bulkheads and
// adaptive limiters (none for loadshed or backpressure).
var instanceKinds = []instanceKind{
	{"circuitbreaker",
		func(e *engine.Engine, n string) (any, error) {
			return circuitbreaker.New(e, n, circuitbreaker.Config{})
		},
		func(h any) error { _, err := h.(*circuitbreaker.Breaker).Stats(context.Background()); return err },
		[]instancePeer{
			{"gobreaker", func(i int) any {
				return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: fmt.Sprint("b", i)})
			}, func(h any) { h.(*gobreaker.CircuitBreaker[struct{}]).Counts() }},
			{"failsafe", func(int) any { return fscb.NewWithDefaults[any]() },
				func(h any) { h.(fscb.CircuitBreaker[any]).Metrics() }},
		}},
	{"ratelimit",
		func(e *engine.Engine, n string) (any, error) { return ratelimit.New(e, n, ratelimit.Config{}) },
		func(h any) error { _, err := h.(*ratelimit.Limiter).Stats(context.Background()); return err },
		[]instancePeer{
			// failsafe-go's rate limiter has no read: its cheapest call
			// takes a permit.
			{"failsafe", func(int) any { return fsratelimiter.NewSmooth[any](100, time.Second) },
				func(h any) { h.(fsratelimiter.RateLimiter[any]).TryAcquirePermit() }},
		}},
	{"bulkhead",
		func(e *engine.Engine, n string) (any, error) { return bulkhead.New(e, n, bulkhead.Config{}) },
		func(h any) error { _, err := h.(*bulkhead.Bulkhead).Stats(context.Background()); return err },
		[]instancePeer{
			// failsafe-go's bulkhead has no read: its cheapest call takes
			// a permit and gives it back.
			{"failsafe", func(int) any { return fsbulkhead.New[any](bulkhead.DefaultMaxInFlight) },
				func(h any) {
					if b := h.(fsbulkhead.Bulkhead[any]); b.TryAcquirePermit() {
						b.ReleasePermit()
					}
				}},
		}},
	{"loadshed",
		func(e *engine.Engine, n string) (any, error) { return loadshed.New(e, n, loadshed.Config{}) },
		func(h any) error { _, err := h.(*loadshed.Shedder).Stats(context.Background()); return err },
		nil},
	{"backpressure",
		func(e *engine.Engine, n string) (any, error) { return backpressure.New(e, n, backpressure.Config{}) },
		func(h any) error { _, err := h.(*backpressure.Gate).Stats(context.Background()); return err },
		nil},
	{"adaptive",
		func(e *engine.Engine, n string) (any, error) { return adaptive.New(e, n, adaptive.Config{}) },
		func(h any) error { _, err := h.(*adaptive.Limiter).Stats(context.Background()); return err },
		[]instancePeer{
			{"failsafe", func(int) any { return fsadaptive.NewWithDefaults[any]() },
				func(h any) { h.(fsadaptive.AdaptiveLimiter[any]).Limit() }},
		}},
}

// TestPerInstance prints, for compare.sh, what one idle named instance of
// every stateful kind costs in Bulwark (default, and under
// engine.WithOnDemandActors) and in its peers, one line each:
//
//	perinstance <kind> <impl> bytes=<n> goroutines=<n> create_ns=<n> lookup_ns=<n> firstcall_p99_ns=<n>
//
// lookup_ns is the wall time of New of a name that exists (the names are
// made beforehand, for create_ns too), with the same
// default config (0 for the peers, which keep no registry): the config's
// defaults and bounds, a read of the engine's sharded index and the
// comparison of the stored config with the asked one — in place, without
// an allocation: every kind's New finds the name before it builds anything.
// firstcall_p99_ns the 99th percentile of the
// first call on each idle instance (Bulwark's Stats, which under the
// option starts the actor's goroutine again; the peers' cheapest read, or
// where they have none their cheapest call: see instanceKinds). Each
// Bulwark implementation runs in a subtest under an engine of its own,
// shut down before the next is measured. It asserts nothing about the figures (they are
// measurements); it runs only with -v, which compare.sh passes.
func TestPerInstance(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("prints figures for compare.sh; run with -v")
	}
	for _, k := range instanceKinds {
		for _, impl := range []struct {
			name string
			opts []engine.Option
		}{{"bulwark", nil}, {"bulwark-ondemand", []engine.Option{engine.WithOnDemandActors()}}} {
			t.Run(k.kind+"/"+impl.name, func(t *testing.T) { perInstanceBulwark(t, k, impl.name, impl.opts...) })
		}
		for _, p := range k.peers {
			bytes, goroutines, create, keep := instanceCost(t, func(i int) (any, error) { return p.newOne(i), nil })
			first := p99(t, keep, func(h any) error { p.call(h); return nil })
			printPerInstance(k.kind, p.name, bytes, goroutines, create, 0, first)
		}
	}
}

// perInstanceBulwark measures Bulwark's instances of k under a fresh engine
// started with opts and prints its line; the engine is shut down when t
// (a subtest of its own) ends.
func perInstanceBulwark(t *testing.T, k instanceKind, impl string, opts ...engine.Option) {
	t.Helper()
	eng := enginetest.Start(t, opts...)
	names := make([]string, perInstanceN) // made beforehand: neither create nor lookup times fmt
	for i := range names {
		names[i] = fmt.Sprint(k.kind, i)
	}
	newOne := func(i int) (any, error) { return k.bulwark(eng, names[i]) }
	bytes, goroutines, create, keep := instanceCost(t, newOne)
	start := time.Now()
	for i := range keep {
		if _, err := newOne(i); err != nil {
			t.Fatal(err)
		}
	}
	lookup := time.Since(start) / time.Duration(len(keep))
	first := p99(t, keep, k.stats)
	printPerInstance(k.kind, impl, bytes, goroutines, create, lookup, first)
}

// printPerInstance prints one perinstance line. A goroutine count within
// rounding of zero prints as 0.00 (goroutines of an earlier engine that
// were still ending make it slightly negative).
func printPerInstance(kind, impl string, bytes, goroutines float64, create, lookup, first time.Duration) {
	if goroutines > -0.005 && goroutines < 0.005 {
		goroutines = 0
	}
	fmt.Printf("perinstance %s %s bytes=%.0f goroutines=%.2f create_ns=%d lookup_ns=%d firstcall_p99_ns=%d\n",
		kind, impl, bytes, goroutines, create.Nanoseconds(), lookup.Nanoseconds(), first.Nanoseconds())
}
