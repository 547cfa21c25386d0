package stress

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
)

// collectorCPU is the CPU time the garbage collector has used so far.
func collectorCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return time.Duration(s[0].Value.Float64() * 1e9)
}

// BenchmarkCollectionOfRegistry is a forced garbage collection of a heap
// holding 100k or 1M idle named breakers: by default never called, one in
// ten or (100k only) all called once (and moved since), and under
// engine.WithOnDemandActors.
// It reports the process's CPU time (getrusage) from the collection's
// start to half a second after it, which holds the supervisor's sweep and
// the moves it asks for, per collection and per breaker; and the
// runtime's estimate of the collector's share (runtime/metrics, from the
// time its workers held a P: on a loaded machine it may exceed the CPU
// time). Figures, not a test: run it with -bench CollectionOfRegistry
// -benchtime 5x.
func BenchmarkCollectionOfRegistry(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // only the forced collections
	for _, n := range []int{100_000, 1_000_000} {
		for _, c := range []struct {
			name   string
			every  int // one breaker in every is called once; 0: none
			option []engine.Option
		}{
			{"never", 0, nil},
			{"tenth", 10, nil},
			{"once", 1, nil},
			{"ondemand", 0, []engine.Option{engine.WithOnDemandActors()}},
		} {
			if c.every == 1 && n > 100_000 {
				continue // a million goroutines: more memory than the machine may spare
			}
			b.Run(fmt.Sprintf("%s/%d", c.name, n), func(b *testing.B) {
				eng, err := engine.New(c.option...)
				if err != nil {
					b.Fatal(err)
				}
				defer eng.Shutdown(context.Background())
				keep := make([]*circuitbreaker.Breaker, n)
				for i := range keep {
					if keep[i], err = circuitbreaker.New(eng, fmt.Sprintf("host-%07d", i), circuitbreaker.Config{}); err != nil {
						b.Fatal(err)
					}
					if c.every > 0 && i%c.every == 0 {
						if _, err := keep[i].Stats(context.Background()); err != nil {
							b.Fatal(err)
						}
					}
				}
				for range 3 { // the calls' goroutines move and settle
					runtime.GC()
					time.Sleep(500 * time.Millisecond)
				}
				var gc, total time.Duration
				b.ResetTimer()
				for range b.N {
					t0, g0 := cpuTime(), collectorCPU()
					runtime.GC()
					time.Sleep(500 * time.Millisecond) // the sweep runs after the collection
					gc += collectorCPU() - g0
					total += cpuTime() - t0
				}
				b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "cpu-ns/cycle")
				b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/breaker")
				b.ReportMetric(float64(gc.Nanoseconds())/float64(b.N), "gc-estimate-ns/cycle")
				runtime.KeepAlive(keep)
			})
		}
	}
}
