package peers

import (
	"context"
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
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := exec.Get(fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}
