package kernel_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// sink counts what it is told; Asks return the count.
type sink struct{ n int }

func (s *sink) Receive(m int) (int, error) { s.n += m; return s.n, nil }

func BenchmarkAsk(b *testing.B) {
	eng := newEngine(b)
	a := spawn(b, eng, "bench", func() kernel.Behavior[int, int] { return &sink{} })
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Ask(ctx, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAskSerial(b *testing.B) {
	eng := newEngine(b)
	a := spawn(b, eng, "bench", func() kernel.Behavior[int, int] { return &sink{} })
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := a.Ask(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTell(b *testing.B) {
	eng := newEngine(b)
	a := spawn(b, eng, "bench", func() kernel.Behavior[int, int] { return &sink{} })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := a.Tell(1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSnapshotLoad(b *testing.B) {
	var s kernel.Snapshot[view]
	s.Publish(&view{1, 1})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n += s.Load().a
		}
		_ = n
	})
}

// BenchmarkSnapshotAndTell is the hot-path shape the kernel is built for: a
// caller loads the owner's published snapshot and reports with one one-way
// message, which the owner drains in batches.
func BenchmarkSnapshotAndTell(b *testing.B) {
	eng := newEngine(b)
	var snap kernel.Snapshot[view]
	snap.Publish(&view{1, 1})
	a := spawn(b, eng, "bench", func() kernel.Behavior[int, int] { return &sink{} })
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if snap.Load().a != 1 {
				b.Fatal("bad snapshot")
			}
			if err := a.Tell(1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkLookup(b *testing.B) {
	eng := newEngine(b)
	spawn(b, eng, "bench", newEcho)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, ok := kernel.Lookup[*kernel.Actor[int, int]](eng, "test", "bench"); !ok {
				b.Fatal("not found")
			}
		}
	})
}

// BenchmarkFirstCallOnDemand is an Ask to an idle actor under
// WithOnDemandActors, each op a different actor: "first" is its very first
// message (the goroutine starts, the mailbox takes its first segment, the
// behaviour is made), "again" one after it has parked (the goroutine
// starts again; the rest is kept).
func BenchmarkFirstCallOnDemand(b *testing.B) {
	for _, round := range []string{"first", "again"} {
		b.Run(round, func(b *testing.B) {
			eng := newEngine(b, engine.WithOnDemandActors())
			actors := make([]*kernel.Actor[int, int], b.N)
			for i := range actors {
				actors[i] = spawn(b, eng, fmt.Sprint("a", i), func() kernel.Behavior[int, int] { return &sink{} })
				if round == "again" {
					if _, err := actors[i].Ask(context.Background(), 1); err != nil {
						b.Fatal(err)
					}
				}
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for _, a := range actors {
				if _, err := a.Ask(ctx, 1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime returns the CPU time the process has used, all threads: on a
// shared machine it grows with the work done, where the wall clock grows
// with the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
