package stress

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"runtime/metrics"
	"slices"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
)

// firstCallMetrics are the runtime counters TestFirstCallAfterIdle reads
// around its loop of first calls.
var firstCallMetrics = []string{
	"/gc/cycles/total:gc-cycles",
	"/sched/goroutines-created:goroutines",
	"/gc/heap/allocs:objects",
	"/gc/heap/allocs:bytes",
	"/memory/classes/heap/stacks:bytes",
}

// readFirstCallMetrics returns the values of firstCallMetrics, in order.
func readFirstCallMetrics() []float64 {
	s := make([]metrics.Sample, len(firstCallMetrics))
	for i, name := range firstCallMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	v := make([]float64, len(s))
	for i := range s {
		switch s[i].Value.Kind() {
		case metrics.KindUint64:
			v[i] = float64(s[i].Value.Uint64())
		case metrics.KindFloat64:
			v[i] = s[i].Value.Float64()
		}
	}
	return v
}

// TestFirstCallAfterIdle prints, for every stateful kind and both modes
// (default, and engine.WithOnDemandActors), what the first call (Stats)
// on each of scaleSize() idle instances never called before costs: the
// percentiles of its wall time, the CPU time per call, the heap objects
// and bytes it allocates, the goroutines it starts, the garbage
// collections during the loop and the stack memory it adds (by default,
// up to when every instance called has its goroutine); and the
// percentiles of the next call on each after a collection. It asserts
// only that every call succeeds (the figures are measurements of a
// shared machine); it runs only with -v.
func TestFirstCallAfterIdle(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("prints figures; run with -v")
	}
	n := scaleSize()
	for _, k := range scaleKinds[:6] {
		for _, mode := range []struct {
			name string
			opts []engine.Option
		}{{"default", nil}, {"ondemand", []engine.Option{engine.WithOnDemandActors()}}} {
			t.Run(k.kind+"/"+mode.name, func(t *testing.T) {
				eng, err := engine.New(mode.opts...)
				if err != nil {
					t.Fatal(err)
				}
				defer func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := eng.Shutdown(ctx); err != nil {
						t.Error(err)
					}
				}()
				keep := make([]reflect.Value, n)
				for i := range keep {
					h, err := k.newOne(eng, fmt.Sprint(k.kind, i))
					if err != nil {
						t.Fatal(err)
					}
					keep[i] = reflect.ValueOf(h).MethodByName("Stats")
				}
				runtime.GC()
				g0 := runtime.NumGoroutine()
				m0, cpu0 := readFirstCallMetrics(), cpuTime()
				took := callStats(t, keep)
				// By default each instance called keeps a goroutine, which
				// may start after its first call returned: count it in.
				if mode.opts == nil {
					waitFor(5*time.Second, func() bool { return runtime.NumGoroutine()-g0 >= n*int(k.goroutines) })
				}
				cpu, m1 := cpuTime()-cpu0, readFirstCallMetrics()
				per := func(i int) float64 { return (m1[i] - m0[i]) / float64(n) }
				// The next call after idleness: by default on the goroutine
				// the instance kept (moved to a fresh one by the collection's
				// sweep), on demand on none.
				runtime.GC()
				again := callStats(t, keep)
				t.Logf("%-14s %-8s p50 %6.1fµs p90 %6.1fµs p99 %6.1fµs max %7.1fµs cpu/call %5.1fµs allocs/call %4.1f bytes/call %5.0f goroutines/call %4.2f gc %2.0f stack/call %5.0f; again p50 %5.1fµs p99 %5.1fµs",
					k.kind, mode.name,
					us(took[n/2]), us(took[n*9/10]), us(took[n*99/100]), us(took[n-1]),
					us(cpu/time.Duration(n)), per(2), per(3), per(1), m1[0]-m0[0], per(4),
					us(again[n/2]), us(again[n*99/100]))
			})
		}
	}
}

// callStats calls each of stats (a Stats method) once, in order, and
// returns their times, sorted.
func callStats(t *testing.T, stats []reflect.Value) []time.Duration {
	t.Helper()
	in := []reflect.Value{reflect.ValueOf(context.Background())}
	took := make([]time.Duration, len(stats))
	for i, stats := range stats {
		start := time.Now()
		out := stats.Call(in)
		took[i] = time.Since(start)
		if err, _ := out[len(out)-1].Interface().(error); err != nil {
			t.Fatalf("Stats: %v", err)
		}
	}
	slices.Sort(took)
	return took
}

// us returns d in microseconds.
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
