package peers

import (
	"context"
	"testing"

	"github.com/failsafe-go/failsafe-go"
	fsbulkhead "github.com/failsafe-go/failsafe-go/bulkhead"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// The limit is high enough that no call is ever refused: these measure the
// uncontended admission path of each bulkhead.
const bulkheadLimit = 1 << 16

func newBulwarkBulkhead(b *testing.B) *bulkhead.Bulkhead {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	bh, err := bulkhead.New(eng, "bench", bulkhead.Config{MaxInFlight: bulkheadLimit})
	if err != nil {
		b.Fatal(err)
	}
	return bh
}

func BenchmarkBulkheadBulwarkAcquireRelease(b *testing.B) {
	bh := newBulwarkBulkhead(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := bh.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			bh.Release(p, messages.Success)
		}
	})
}

func BenchmarkBulkheadBulwarkExecute(b *testing.B) {
	bh := newBulwarkBulkhead(b)
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := bh.Execute(ctx, fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBulkheadFailsafeTryAcquireRelease(b *testing.B) {
	bh := fsbulkhead.New[any](bulkheadLimit)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !bh.TryAcquirePermit() {
				b.Fatal("refused")
			}
			bh.ReleasePermit()
		}
	})
}

func BenchmarkBulkheadFailsafeRun(b *testing.B) {
	exec := failsafe.With[any](fsbulkhead.New[any](bulkheadLimit))
	fn := func() error { return nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := exec.Run(fn); err != nil {
				b.Fatal(err)
			}
		}
	})
}
