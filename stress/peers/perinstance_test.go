package peers

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	fscb "github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/sony/gobreaker/v2"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
)

// perInstanceN is how many breakers each implementation creates.
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

// instanceCost creates perInstanceN breakers with newOne and returns the
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

// TestPerInstance prints, for compare.sh, what one idle named circuit
// breaker costs in Bulwark (default, and under engine.WithOnDemandActors)
// and in its peers, one line each:
//
//	perinstance <impl> bytes=<n> goroutines=<n> create_ns=<n> lookup_ns=<n> firstcall_p99_ns=<n>
//
// lookup_ns is New of a name that exists (Bulwark's registry; 0 for the
// peers, which keep none), firstcall_p99_ns the 99th percentile of the
// first call on each idle instance (Bulwark's Stats, which under the
// option starts the actor's goroutine again; the peers' Counts and
// Metrics). It asserts nothing about the figures (they are measurements);
// it runs only with -v, which compare.sh passes.
func TestPerInstance(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("prints figures for compare.sh; run with -v")
	}
	bulwark := func(opts ...engine.Option) func(i int) (any, error) {
		eng, err := engine.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := eng.Shutdown(ctx); err != nil {
				t.Error(err)
			}
		})
		return func(i int) (any, error) { return circuitbreaker.New(eng, fmt.Sprint("b", i), circuitbreaker.Config{}) }
	}
	bulwarkCall := func(h any) error {
		_, err := h.(*circuitbreaker.Breaker).Stats(context.Background())
		return err
	}
	for _, impl := range []struct {
		name   string
		newOne func(i int) (any, error)
		call   func(any) error
		lookup bool // newOne of an existing name finds the instance
	}{
		{"bulwark", bulwark(), bulwarkCall, true},
		{"bulwark-ondemand", bulwark(engine.WithOnDemandActors()), bulwarkCall, true},
		{"gobreaker", func(i int) (any, error) {
			return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: fmt.Sprint("b", i)}), nil
		}, func(h any) error { h.(*gobreaker.CircuitBreaker[struct{}]).Counts(); return nil }, false},
		{"failsafe", func(int) (any, error) { return fscb.NewWithDefaults[any](), nil },
			func(h any) error { h.(fscb.CircuitBreaker[any]).Metrics(); return nil }, false},
	} {
		bytes, goroutines, create, keep := instanceCost(t, impl.newOne)
		var lookup time.Duration
		if impl.lookup {
			start := time.Now()
			for i := range keep {
				if _, err := impl.newOne(i); err != nil {
					t.Fatal(err)
				}
			}
			lookup = time.Since(start) / time.Duration(len(keep))
		}
		first := p99(t, keep, impl.call)
		fmt.Printf("perinstance %s bytes=%.0f goroutines=%.2f create_ns=%d lookup_ns=%d firstcall_p99_ns=%d\n",
			impl.name, bytes, goroutines, create.Nanoseconds(), lookup.Nanoseconds(), first.Nanoseconds())
	}
}
