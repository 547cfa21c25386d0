package hedge_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
)

// tailBackend answers in about 1 ms, and in 100 ms one time in a hundred
// (each attempt draws on its own), returning early if its context ends.
func tailBackend(ctx context.Context) (int, error) {
	d := time.Millisecond
	if rand.IntN(100) == 0 {
		d = 100 * time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return 1, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// BenchmarkTail measures what hedging buys on tailBackend: the p50, p99,
// p99.5 and p99.9 of calls without a hedge, with a fixed 5 ms hedge, and
// with a hedge at the p95 of recent latencies. Run with enough calls for
// a p99, e.g. -benchtime 4000x.
func BenchmarkTail(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  *hedge.Config
	}{
		{"none", nil},
		{"fixed-5ms", &hedge.Config{Delay: 5 * time.Millisecond}},
		{"p95", &hedge.Config{Delay: 5 * time.Millisecond, Percentile: 95}},
	} {
		b.Run(c.name, func(b *testing.B) {
			call := tailBackend
			if c.cfg != nil {
				h, err := hedge.New(nil, "tail", *c.cfg)
				if err != nil {
					b.Fatal(err)
				}
				call = func(ctx context.Context) (int, error) { return hedge.Do(ctx, h, tailBackend) }
			}
			var mu sync.Mutex // guards all (the benchmark's own bookkeeping)
			var all []time.Duration
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					if _, err := call(context.Background()); err != nil {
						b.Error(err)
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
			slices.Sort(all)
			q := func(p float64) float64 {
				return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / 1e6
			}
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
			b.ReportMetric(q(0.995), "p99.5-ms")
			b.ReportMetric(q(0.999), "p99.9-ms")
		})
	}
}
