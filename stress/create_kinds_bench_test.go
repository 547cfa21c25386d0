package stress

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// BenchmarkCreateKinds is New of a fresh name, for every kind that holds
// an actor, by default and under engine.WithOnDemandActors. Besides
// ns/op it reports CPU time per create (cpu-ns/op, getrusage: every
// thread, the garbage collector's share included) and the bytes and
// objects each create leaves in use after a collection (kept-B/op,
// kept-objs/op), which the collector marks again at every cycle while a
// registry grows.
func BenchmarkCreateKinds(b *testing.B) {
	modes := []struct {
		name string
		opts []engine.Option
	}{{"default", nil}, {"ondemand", []engine.Option{engine.WithOnDemandActors()}}}
	for _, k := range scaleKinds {
		if k.goroutines == 0 {
			continue
		}
		for _, m := range modes {
			b.Run(k.kind+"/"+m.name, func(b *testing.B) {
				eng := enginetest.Start(b, m.opts...)
				names := make([]string, b.N)
				for i := range names {
					names[i] = fmt.Sprint("create-", i)
				}
				keep := make([]any, b.N)
				b0, o0 := keptBytesObjects()
				b.ReportAllocs()
				b.ResetTimer()
				c0 := cpuTime()
				for i, name := range names {
					h, err := k.newOne(eng, name)
					if err != nil {
						b.Fatal(err)
					}
					keep[i] = h
				}
				b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
				b.StopTimer()
				b1, o1 := keptBytesObjects()
				b.ReportMetric(float64(b1-b0)/float64(b.N), "kept-B/op")
				b.ReportMetric(float64(o1-o0)/float64(b.N), "kept-objs/op")
				runtime.KeepAlive(keep)
			})
		}
	}
}

// keptBytesObjects returns the heap bytes and objects in use after a full
// collection.
func keptBytesObjects() (bytes, objects int64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc), int64(ms.HeapObjects)
}
