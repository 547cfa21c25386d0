package fallback_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/fallback"
)

// BenchmarkDoPrimarySucceeds is the hot path: the primary succeeds and no
// fallback runs.
func BenchmarkDoPrimarySucceeds(b *testing.B) {
	f, err := fallback.New(nil, "bench", fallback.Config[int]{Chain: []fallback.Func[int]{fallback.Value(-1)}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ok := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if v, _ := f.Do(ctx, ok); v != 1 {
				b.Fatal(v)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if v, _ := f.Do(ctx, ok); v != 1 {
					b.Fatal(v)
				}
			}
		})
	})
}
