package stress

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// statsCall returns a call of h's Stats, for a handle whose Stats returns
// an S: a direct call, so that what a first call allocates is counted
// without reflection's own.
func statsCall[S any](h any) func(context.Context) error {
	s := h.(interface {
		Stats(context.Context) (S, error)
	})
	return func(ctx context.Context) error {
		_, err := s.Stats(ctx)
		return err
	}
}

// firstCallKinds are the stateful kinds whose first call
// TestFirstCallAllocs counts, with the heap objects a Stats allocates
// every time, first or not (TestStatsAllocs): its RejectedBy map, where
// it has one.
var firstCallKinds = []struct {
	kind  string
	stats func(h any) func(context.Context) error
	every float64
}{
	{"circuitbreaker", statsCall[circuitbreaker.Stats], 0},
	{"ratelimit", statsCall[ratelimit.Stats], 2},
	{"bulkhead", statsCall[bulkhead.Stats], 2},
	{"loadshed", statsCall[loadshed.Stats], 2},
	{"backpressure", statsCall[backpressure.Stats], 2},
	{"adaptive", statsCall[adaptive.Stats], 0},
}

// firstCallAllocs are the most heap objects a first call may allocate
// beyond what its Stats allocates every time: on demand, the channel of
// the mailbox's first segment and its buffer (2) and the behaviour's
// state (1, or 2); by default also the goroutine the instance keeps (its
// descriptor, unless the runtime has a free one, the closure that starts
// it, the sudogs of the select it waits in) and the wake-up channel of
// its loop.
const (
	firstCallAllocsOnDemand = 4
	firstCallAllocsDefault  = 9
)

// firstCallCost runs the first Stats of n fresh instances of the kind
// under an engine started with opts and returns the heap objects and
// bytes allocated and the goroutines started per call, counting, by
// default, the goroutine each instance gets after its first call until
// all of them have theirs.
func firstCallCost(t *testing.T, kind string, stats func(any) func(context.Context) error, n int, opts ...engine.Option) (objects, bytes, goroutines float64) {
	t.Helper()
	eng := enginetest.Start(t, opts...)
	k := kindNamed(t, kind)
	calls := make([]func(context.Context) error, n)
	for i := range calls {
		h, err := k.newOne(eng, fmt.Sprint(kind, i))
		if err != nil {
			t.Fatal(err)
		}
		calls[i] = stats(h)
	}
	ctx := context.Background()
	runtime.GC()
	g0 := runtime.NumGoroutine()
	m0 := readFirstCallMetrics()
	for _, call := range calls {
		if err := call(ctx); err != nil {
			t.Fatalf("Stats: %v", err)
		}
	}
	if len(opts) == 0 {
		waitFor(5*time.Second, func() bool { return runtime.NumGoroutine()-g0 >= n*int(k.goroutines) })
	}
	m1 := readFirstCallMetrics()
	per := func(i int) float64 { return (m1[i] - m0[i]) / float64(n) }
	return per(2), per(3), per(1)
}

// kindNamed returns the scaleKinds entry of kind.
func kindNamed(t *testing.T, kind string) scaleKind {
	t.Helper()
	for _, k := range scaleKinds {
		if k.kind == kind {
			return k
		}
	}
	t.Fatalf("no kind %q", kind)
	return scaleKind{}
}

// TestFirstCallAllocs checks that the first call (Stats) on an instance
// never called before allocates at most firstCallAllocs heap objects per
// call beyond what every Stats allocates, in both modes (issue 16: what a
// first call allocates is what its caller, and the collections it
// triggers, pay), and starts no goroutine but the one the instance keeps
// by default (its caller serves it; a claimer gives it its goroutine, one
// for the whole burst, within 0.05 a call). Allocation counts do not
// depend on the machine's load; under -race, whose sync.Pool drops some
// of what it is given, it only prints them.
func TestFirstCallAllocs(t *testing.T) {
	n := 400
	if testing.Short() || raceOn {
		n = 100
	}
	for _, k := range firstCallKinds {
		for _, mode := range []struct {
			name    string
			opts    []engine.Option
			ceiling float64
		}{{"default", nil, firstCallAllocsDefault}, {"ondemand", []engine.Option{engine.WithOnDemandActors()}, firstCallAllocsOnDemand}} {
			t.Run(k.kind+"/"+mode.name, func(t *testing.T) {
				objects, bytes, goroutines := firstCallCost(t, k.kind, k.stats, n, mode.opts...)
				t.Logf("%-14s %-8s allocs/call %4.1f bytes/call %5.0f goroutines/call %4.2f", k.kind, mode.name, objects, bytes, goroutines)
				if want := mode.ceiling + k.every; objects > want && !raceOn {
					t.Errorf("a first call allocates %.1f objects, want at most %.0f", objects, want)
				}
				kept := 0.0
				if mode.opts == nil {
					kept = float64(kindNamed(t, k.kind).goroutines)
				}
				if goroutines > kept+0.05 {
					t.Errorf("a first call starts %.2f goroutines, want at most %.2f", goroutines, kept+0.05)
				}
			})
		}
	}
}

// TestStatsAllocs checks that a Stats on an instance called before
// allocates only what its result holds (RejectedBy, where it has one):
// its request and reply are recycled, its figures read without closures.
func TestStatsAllocs(t *testing.T) {
	if raceOn {
		t.Skip("counts allocations; sync.Pool drops some under -race")
	}
	eng := enginetest.Start(t)
	ctx := context.Background()
	for _, k := range firstCallKinds {
		h, err := kindNamed(t, k.kind).newOne(eng, k.kind)
		if err != nil {
			t.Fatal(err)
		}
		stats := k.stats(h)
		if err := stats(ctx); err != nil {
			t.Fatal(err)
		}
		if got := testing.AllocsPerRun(50, func() { _ = stats(ctx) }); got > k.every {
			t.Errorf("%s: Stats allocates %.1f objects, want at most %.0f", k.kind, got, k.every)
		}
	}
}
