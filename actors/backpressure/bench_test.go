package backpressure_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/messages"
)

func BenchmarkAcquireRelease(b *testing.B) {
	m, _, _ := newGate(b, backpressure.Config{MaxInFlight: 1 << 20})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := m.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		m.Release(p, messages.Success)
	}
}

func BenchmarkAcquireReleaseParallel(b *testing.B) {
	m, _, _ := newGate(b, backpressure.Config{MaxInFlight: 1 << 20})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := m.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			m.Release(p, messages.Success)
		}
	})
}

func BenchmarkExecute(b *testing.B) {
	m, _, _ := newGate(b, backpressure.Config{MaxInFlight: 1 << 20})
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Execute(ctx, fn); err != nil {
			b.Fatal(err)
		}
	}
}
