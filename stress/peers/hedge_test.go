package peers

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/hedgepolicy"

	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/engine"
)

// The hedge benchmarks measure a call that answers before the delay: the
// cost every call pays for being hedged (attempt goroutine, timer,
// derived context), no hedge started.

// perOpCPU starts counting the process's CPU time (user+sys); the func it
// returns reports it per op as cpu-ns/op: on a shared machine ns/op swings
// with the others' load, CPU time much less (at -cpu 2 it counts both
// threads).
func perOpCPU(b *testing.B) func() {
	now := func() int64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return ru.Utime.Nano() + ru.Stime.Nano()
	}
	t0 := now()
	return func() { b.ReportMetric(float64(now()-t0)/float64(b.N), "cpu-ns/op") }
}

func BenchmarkHedgeBulwark(b *testing.B) {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	h, err := hedge.New(eng, "bench", hedge.Config{Delay: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	defer perOpCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := hedge.Do(ctx, h, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHedgeFailsafe(b *testing.B) {
	exec := failsafe.With[int](hedgepolicy.NewWithDelay[int](time.Second))
	fn := func() (int, error) { return 1, nil }
	b.ReportAllocs()
	defer perOpCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := exec.Get(fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}
