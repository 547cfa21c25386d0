package peers

import (
	"context"
	"testing"

	"github.com/failsafe-go/failsafe-go/adaptivelimiter"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// BenchmarkAdaptive compares one Acquire+Release of Bulwark's adaptive
// limiter (AIMD, and Vegas, which stamps and measures latency as
// failsafe-go's does) with failsafe-go's adaptive limiter
// (TryAcquirePermit + Record), at the same limits (10..1000, initially 100).
func BenchmarkAdaptive(b *testing.B) {
	for _, alg := range []adaptive.Algorithm{adaptive.AIMD, adaptive.Vegas} {
		b.Run("bulwark-"+alg.String(), func(b *testing.B) {
			eng, err := engine.New()
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Shutdown(context.Background())
			l, err := adaptive.New(eng, "bench", adaptive.Config{Algorithm: alg})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			once := func() bool {
				p, err := l.Acquire(ctx)
				if err != nil {
					return false
				}
				l.Release(p, messages.Success)
				return true
			}
			serialParallel(b, once)
		})
	}
	b.Run("failsafe", func(b *testing.B) {
		l := adaptivelimiter.NewBuilder[any]().WithLimits(10, 1000, 100).Build()
		once := func() bool {
			p, ok := l.TryAcquirePermit()
			if !ok {
				return false
			}
			p.Record()
			return true
		}
		serialParallel(b, once)
	})
}

func serialParallel(b *testing.B, once func() bool) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !once() {
				b.Fatal("refused")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !once() {
					b.Error("refused")
					return
				}
			}
		})
	})
}
