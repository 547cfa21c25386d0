package adaptive_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func BenchmarkAcquireRelease(b *testing.B) {
	for _, alg := range []adaptive.Algorithm{adaptive.AIMD, adaptive.Vegas} {
		b.Run(alg.String(), func(b *testing.B) {
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
			b.Run("serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p, err := l.Acquire(ctx)
					if err != nil {
						b.Fatal(err)
					}
					l.Release(p, messages.Success)
				}
			})
			b.Run("parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p, err := l.Acquire(ctx)
						if err != nil {
							b.Error(err)
							return
						}
						l.Release(p, messages.Success)
					}
				})
			})
		})
	}
}
