package kernel_test

import (
	"context"
	"testing"

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
