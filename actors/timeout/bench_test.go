package timeout_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
)

func benchTimeout(b *testing.B, coop bool) {
	to, _ := timeout.New(nil, "bench", timeout.Config{Timeout: time.Minute, Cooperative: coop})
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = timeout.Do(ctx, to, fn)
		}
	})
}

func BenchmarkCooperative(b *testing.B)  { benchTimeout(b, true) }
func BenchmarkOwnGoroutine(b *testing.B) { benchTimeout(b, false) }
