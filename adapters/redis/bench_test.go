package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/redis"
)

// BenchmarkAllow is one decision against a local redis-server, from
// parallel callers, on one key that stays under its limit: mostly the
// round trip, plus what the limiter adds around it.
func BenchmarkAllow(b *testing.B) {
	srv := startServer(b, 0)
	for _, a := range append(algorithms, struct {
		name string
		alg  ratelimit.Algorithm
	}{"gcra-batch64", ratelimit.GCRA}) {
		b.Run(a.name, func(b *testing.B) {
			batch := 0
			if a.name == "gcra-batch64" {
				batch = 64 // the local token cache
			}
			l, err := redis.New(nil, "bench", srv.client(b), redis.Config{Algorithm: a.alg, Prefix: "bench-" + a.name, Timeout: 10 * time.Second, LocalBatch: batch})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.AllowRate(context.Background(), "user_123", rate(1<<20-1, time.Microsecond)); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
