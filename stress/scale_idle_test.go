package stress

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// scaleKind is one kind of instance the scale tests create by name.
type scaleKind struct {
	kind string
	// newOne gets or creates the instance called name with the default
	// config.
	newOne func(eng *engine.Engine, name string) (any, error)
	// ceiling is the most bytes (heap and stack) one idle instance never
	// called may cost (see usedIdleCeiling for one called once).
	ceiling int64
	// goroutines is how many goroutines one idle instance called once
	// may keep (an instance never called keeps none).
	goroutines float64
}

// idleCeiling is the cost of an idle instance of any kind that issue 16
// asks for, goroutine stack included. An instance never called has no
// goroutine (its first message starts one): about 1.1-1.6 KB measured.
const idleCeiling = 6 << 10

// raceIdleCeiling is the ceiling under -race, whose instrumented
// instances are larger; the 6 KB of issue 16 is checked without it.
const raceIdleCeiling = 7 << 10

// usedIdleCeiling is the most an idle instance called once may cost by
// default, issue 16's 6 KB: it keeps a goroutine, which its first call
// grew to a 4 KB stack, but after a garbage collection the supervisor has
// it go on in a fresh goroutine on 2 KB (supervisor.Mover).
// raceUsedIdleCeiling is the same under -race, whose goroutines wait on
// 4 KB.
const (
	usedIdleCeiling     = 6 << 10
	raceUsedIdleCeiling = 12 << 10
)

// scaleKinds lists every kind with its ceiling. Kinds above idleCeiling
// carry state a pattern still allocates whole at creation (say so beside
// the figure).
var scaleKinds = []scaleKind{
	{"circuitbreaker", func(e *engine.Engine, n string) (any, error) {
		return circuitbreaker.New(e, n, circuitbreaker.Config{})
	}, idleCeiling, 1},
	{"ratelimit", func(e *engine.Engine, n string) (any, error) {
		return ratelimit.New(e, n, ratelimit.Config{}) // shard 0, and a pointer for each other shard (one per P) until it starts
	}, idleCeiling, 1},
	{"bulkhead", func(e *engine.Engine, n string) (any, error) {
		return bulkhead.New(e, n, bulkhead.Config{})
	}, idleCeiling, 1},
	{"loadshed", func(e *engine.Engine, n string) (any, error) {
		return loadshed.New(e, n, loadshed.Config{})
	}, idleCeiling, 1},
	{"backpressure", func(e *engine.Engine, n string) (any, error) {
		return backpressure.New(e, n, backpressure.Config{})
	}, idleCeiling, 1},
	{"adaptive", func(e *engine.Engine, n string) (any, error) {
		return adaptive.New(e, n, adaptive.Config{})
	}, 7 << 10, 1},
	{"hedge", func(e *engine.Engine, n string) (any, error) {
		return hedge.New(e, n, hedge.Config{})
	}, idleCeiling, 0},
	{"coalesce", func(e *engine.Engine, n string) (any, error) {
		return coalesce.New[int](e, n, coalesce.Config{})
	}, idleCeiling, 0},
	{"cache", func(e *engine.Engine, n string) (any, error) {
		return cache.New[int](e, n, cache.Config{}, nil) // its MemoryStore's shards, allocated whole
	}, 160 << 10, 0},
}

// scaleSize is how many instances of a kind the idle-cost test creates:
// 2,000, or 200 under -short or -race.
func scaleSize() int {
	if testing.Short() || raceOn {
		return 200
	}
	return 2000
}

// inUse returns the heap and stack bytes in use after a full collection.
func inUse() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

// idleCost is what one idle instance of a kind costs.
type idleCost struct {
	// bytes and goroutines are what an instance never called costs,
	// heap and stack, and goroutines, per instance: no goroutine, in
	// either mode.
	bytes, goroutines float64
	// used and usedGoroutines are the same for an instance called once
	// (Stats, for the kinds that have it) and idle since: by default it
	// keeps the goroutine its first call started, on demand it has none.
	used, usedGoroutines float64
	create               time.Duration
	lookup               time.Duration // New of a name that exists (a new instance for kinds no registry holds)
	firstCall            time.Duration // p99 of a Stats call on an idle instance (0: no Stats(ctx))
	shutdown             time.Duration // Shutdown of the engine that holds them
}

// measureIdle creates n instances of k under a fresh engine started with
// opts, lets them idle, calls each once and lets them idle again, and
// returns what each costs. The engine is shut down before it returns.
func measureIdle(t *testing.T, k scaleKind, n int, opts ...engine.Option) idleCost {
	t.Helper()
	return measureSettled(t, k, n, 0, opts...)
}

// measureSettled is measureIdle, which waits up to 5 s, when settle is
// not zero, for an instance called once to cost at most settle before it
// measures: the collections it runs have the supervisor move idle actors
// whose stacks grew onto fresh goroutines (supervisor.Mover), which the
// runtime schedules when it can.
func measureSettled(t *testing.T, k scaleKind, n int, settle int64, opts ...engine.Option) (c idleCost) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), enginetest.ShutdownTimeout)
	defer cancel()
	eng, err := engine.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		start := time.Now()
		if err := eng.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		c.shutdown = time.Since(start)
	}()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%07d", k.kind, i)
	}
	keep := make([]any, n)
	g0, b0 := runtime.NumGoroutine(), inUse()
	start := time.Now()
	for i, name := range names {
		if keep[i], err = k.newOne(eng, name); err != nil {
			t.Fatalf("%s %q: %v", k.kind, name, err)
		}
	}
	create := time.Since(start)
	// An instance never called has no goroutine: let any that its
	// creation started end before measuring, and any that the
	// collections of inUse started (the supervisor's sweep, which ends
	// by itself) before counting.
	none := func() bool { return runtime.NumGoroutine()-g0 <= 0 }
	waitFor(time.Second, none)
	b1 := inUse()
	waitFor(time.Second, none)
	g1 := runtime.NumGoroutine()
	start = time.Now()
	for _, name := range names {
		if _, err := k.newOne(eng, name); err != nil {
			t.Fatalf("%s %q again: %v", k.kind, name, err)
		}
	}
	lookup := time.Since(start)
	c = idleCost{
		bytes:      float64(b1-b0) / float64(n),
		goroutines: float64(g1-g0) / float64(n),
		create:     create / time.Duration(n),
		lookup:     lookup / time.Duration(n),
	}
	c.firstCall = firstCalls(t, keep)
	// Let every goroutine the calls started reach its idle wait (or, on
	// demand, end) before measuring again, and the collections' sweeps
	// end before counting.
	kept := func() bool {
		d := runtime.NumGoroutine() - g0
		return d == int(k.goroutines)*n || k.goroutines == 0 && d <= 0
	}
	waitFor(time.Second, kept)
	var b2 int64
	waitFor(5*time.Second, func() bool {
		b2 = inUse()
		return settle == 0 || (b2-b0)/int64(n) <= settle
	})
	waitFor(time.Second, kept)
	g2 := runtime.NumGoroutine()
	c.used, c.usedGoroutines = float64(b2-b0)/float64(n), float64(g2-g0)/float64(n)
	runtime.KeepAlive(keep)
	return c
}

// firstCalls calls Stats on each instance that has it (the first call
// after idleness: on demand, it starts the actor's goroutine) and returns
// the 99th percentile of their times.
func firstCalls(t *testing.T, instances []any) time.Duration {
	t.Helper()
	var took []time.Duration
	for _, h := range instances {
		stats := reflect.ValueOf(h).MethodByName("Stats")
		if !stats.IsValid() || stats.Type().NumIn() != 1 {
			return 0
		}
		in := []reflect.Value{reflect.ValueOf(context.Background())}
		start := time.Now()
		out := stats.Call(in)
		took = append(took, time.Since(start))
		if err, _ := out[len(out)-1].Interface().(error); err != nil {
			t.Fatalf("Stats: %v", err)
		}
	}
	slices.Sort(took)
	return took[len(took)*99/100]
}

// TestScaleIdleInstance prints, for every kind, what an idle instance
// costs (heap and stack bytes, goroutines) once called and never called,
// and how long New takes for a fresh name and for a name that exists; it
// fails when bytes or goroutines exceed the kind's ceiling, or when an
// instance never called keeps a goroutine. Times are printed, never
// asserted (the machine is shared).
func TestScaleIdleInstance(t *testing.T) {
	n := scaleSize()
	t.Logf("%-16s %12s %10s %12s %12s %12s %12s", "kind", "once called", "goroutines", "never called", "create", "New(existing)", "Stats p99")
	for _, k := range scaleKinds {
		ceiling, used := k.ceiling, max(k.ceiling, usedIdleCeiling)
		if raceOn {
			ceiling, used = max(ceiling, raceIdleCeiling), max(used, raceUsedIdleCeiling)
		}
		c := measureSettled(t, k, n, int64(used))
		t.Logf("%-16s %12.0f %10.2f %12.0f %12v %12v %12v", k.kind, c.used, c.usedGoroutines, c.bytes, c.create, c.lookup, c.firstCall)
		if c.bytes > float64(ceiling) {
			t.Errorf("%s: an idle instance never called costs %.0f bytes, want at most %d", k.kind, c.bytes, ceiling)
		}
		if c.used > float64(used) {
			t.Errorf("%s: an idle instance called once costs %.0f bytes, want at most %d", k.kind, c.used, used)
		}
		if c.goroutines > 0.01 {
			t.Errorf("%s: an instance never called keeps %.2f goroutines, want none", k.kind, c.goroutines)
		}
		if c.usedGoroutines > k.goroutines+0.05 {
			t.Errorf("%s: an idle instance called once keeps %.2f goroutines, want at most %v", k.kind, c.usedGoroutines, k.goroutines)
		}
	}
}

// tenThousandBreakers is the most 10,000 idle named breakers may cost in
// all, as issue 16 asks.
const tenThousandBreakers = 60 << 20

// TestScaleTenThousandBreakers creates 10,000 named breakers with the
// default config and checks what they cost together, idle. Skipped under
// -short and -race.
func TestScaleTenThousandBreakers(t *testing.T) {
	if testing.Short() || raceOn {
		t.Skip("10,000 breakers: not under -short or -race")
	}
	const n = 10000
	c := measureIdle(t, scaleKinds[0], n)
	total := c.bytes * n
	t.Logf("10,000 breakers: %.1f MB idle never called, %.1f MB once called (%.2f goroutines each), create %v, New(existing) %v",
		total/(1<<20), c.used*n/(1<<20), c.usedGoroutines, c.create, c.lookup)
	if total > tenThousandBreakers {
		t.Fatalf("10,000 idle breakers cost %.1f MB, want at most %d MB", total/(1<<20), tenThousandBreakers>>20)
	}
}

// onDemandCeiling is the most an idle instance of an actor kind never
// called may cost under engine.WithOnDemandActors, which keeps no
// goroutine for it and makes its behaviour only when the first message
// comes: issue 16's 1 KB.
const onDemandCeiling = 1 << 10

// onDemandUsedCeiling is the most an idle instance called once may cost
// under engine.WithOnDemandActors: its behaviour and mailbox are made, its
// goroutine gone (1.5-2.6 KB measured).
const onDemandUsedCeiling = 4 << 10

// TestScaleIdleInstanceOnDemand is TestScaleIdleInstance under
// engine.WithOnDemandActors for the kinds that hold actors: an idle
// instance keeps no goroutine, and the first call after idleness (Stats,
// which starts the actor's goroutine again) is timed; times are printed,
// never asserted.
func TestScaleIdleInstanceOnDemand(t *testing.T) {
	n := scaleSize()
	t.Logf("%-16s %12s %10s %12s %12s %12s %12s", "kind", "once called", "goroutines", "never called", "create", "New(existing)", "Stats p99")
	for _, k := range scaleKinds {
		if k.goroutines == 0 {
			continue
		}
		k.goroutines = 0
		c := measureIdle(t, k, n, engine.WithOnDemandActors())
		t.Logf("%-16s %12.0f %10.2f %12.0f %12v %12v %12v", k.kind, c.used, c.usedGoroutines, c.bytes, c.create, c.lookup, c.firstCall)
		if c.goroutines > 0.01 || c.usedGoroutines > 0.01 {
			t.Errorf("%s on demand: an idle instance keeps %.2f goroutines never called, %.2f once called; want none", k.kind, c.goroutines, c.usedGoroutines)
		}
		if c.bytes > float64(onDemandCeiling) {
			t.Errorf("%s on demand: an idle instance never called costs %.0f bytes, want at most %d", k.kind, c.bytes, onDemandCeiling)
		}
		if c.used > float64(onDemandUsedCeiling) {
			t.Errorf("%s on demand: an idle instance called once costs %.0f bytes, want at most %d", k.kind, c.used, onDemandUsedCeiling)
		}
	}
}

// TestScaleHundredThousandBreakersOnDemand creates 100,000 named breakers
// under engine.WithOnDemandActors: no goroutine stays once they are idle,
// and Shutdown of them all returns within its deadline (measureIdle
// fails the test otherwise). Skipped under -short and -race.
func TestScaleHundredThousandBreakersOnDemand(t *testing.T) {
	if testing.Short() || raceOn {
		t.Skip("100,000 breakers: not under -short or -race")
	}
	const n = 100000
	k := scaleKinds[0]
	k.goroutines = 0
	c := measureIdle(t, k, n, engine.WithOnDemandActors())
	t.Logf("100,000 breakers on demand: %.1f MB idle, %.3f goroutines each, create %v, New(existing) %v, Stats p99 %v, Shutdown %v",
		c.bytes*n/(1<<20), c.goroutines, c.create, c.lookup, c.firstCall, c.shutdown)
	if c.goroutines > 0 {
		t.Fatalf("100,000 idle on-demand breakers keep %.0f goroutines, want none", c.goroutines*n)
	}
	if c.bytes > onDemandCeiling {
		t.Fatalf("100,000 idle on-demand breakers: %.0f bytes each, want at most %d", c.bytes, onDemandCeiling)
	}
}

// BenchmarkBreakerFirstCallOnDemand is Stats on an idle named breaker
// under engine.WithOnDemandActors, each op a different breaker that has
// been called once before and parked since: the first call after
// idleness, which needs a goroutine again. cpu-ns/op is the process's CPU
// time per op (the garbage collector's share included).
func BenchmarkBreakerFirstCallOnDemand(b *testing.B) {
	eng, err := engine.New(engine.WithOnDemandActors())
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	ctx := context.Background()
	breakers := make([]*circuitbreaker.Breaker, b.N)
	for i := range breakers {
		if breakers[i], err = circuitbreaker.New(eng, fmt.Sprint("b", i), circuitbreaker.Config{}); err != nil {
			b.Fatal(err)
		}
		if _, err := breakers[i].Stats(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for _, br := range breakers {
		if _, err := br.Stats(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}
