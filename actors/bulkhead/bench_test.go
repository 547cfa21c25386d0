package bulkhead_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/messages"
)

func benchBulkhead(b *testing.B) *bulkhead.Bulkhead {
	bh, _, _ := newBulkhead(b, bulkhead.Config{MaxInFlight: 1 << 20})
	return bh
}

func BenchmarkAcquireRelease(b *testing.B) {
	bh := benchBulkhead(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := bh.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		bh.Release(p, messages.Success)
	}
}

func BenchmarkAcquireReleaseParallel(b *testing.B) {
	bh := benchBulkhead(b)
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

func nop(context.Context) error { return nil }

func BenchmarkExecute(b *testing.B) {
	bh := benchBulkhead(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := bh.Execute(ctx, nop); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExecuteParallel(b *testing.B) {
	bh := benchBulkhead(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := bh.Execute(ctx, nop); err != nil {
				b.Fatal(err)
			}
		}
	})
}
