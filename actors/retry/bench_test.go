package retry_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
)

func BenchmarkDoSuccess(b *testing.B) {
	eng, _ := engine.New()
	b.Cleanup(func() { eng.Shutdown(context.Background()) })
	r, _ := retry.New(eng, "bench", retry.Config{})
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = retry.Do(ctx, r, fn)
		}
	})
}

func BenchmarkDoSuccessWithBudget(b *testing.B) {
	eng, _ := engine.New()
	b.Cleanup(func() { eng.Shutdown(context.Background()) })
	bud, _ := retry.NewBudget(eng, "bench", retry.BudgetConfig{})
	r, _ := retry.New(eng, "bench", retry.Config{Budget: bud})
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _ = retry.Do(ctx, r, fn)
		}
	})
}
