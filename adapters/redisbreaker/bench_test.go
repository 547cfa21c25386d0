package redisbreaker

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
)

// BenchmarkExecuteClosed: a successful call through a closed shared
// breaker beside the same call through its local breaker alone, with the
// Redis commands sent per call (the flushes only).
func BenchmarkExecuteClosed(b *testing.B) {
	srv := redistest.Start(b, 0)
	ctx := context.Background()
	ok := func(context.Context) error { return nil }
	b.Run("local", func(b *testing.B) {
		br, _ := process(b, srv, Config{})
		local := br.Local()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = local.Execute(ctx, ok)
			}
		})
	})
	b.Run("shared", func(b *testing.B) {
		br, n := process(b, srv, Config{})
		b.ResetTimer()
		start := n.n.Load()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = br.Execute(ctx, ok)
			}
		})
		b.ReportMetric(float64(n.n.Load()-start)/float64(b.N), "redis-cmds/op")
	})
}
