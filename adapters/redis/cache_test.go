package redis_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine"
)

// commands counts the commands a client sends.
type commands struct{ n atomic.Int64 }

func (c *commands) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (c *commands) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c *commands) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// cached returns a limiter with the local token cache on its own client,
// on a frozen clock (the server grants exactly the burst), and the
// commands it sends.
func cached(t *testing.T, srv *server, clock *engine.FakeClock, batch int) (*redis.Limiter, *commands) {
	t.Helper()
	c := srv.client(t)
	n := &commands{}
	c.AddHook(n)
	l, err := redis.New(newEngine(t, clock), "api", c, redis.Config{Now: clock.Now, Prefix: t.Name(), Timeout: 10 * time.Second,
		LocalBatch: batch, LocalHold: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return l, n
}

// TestLocalBatchCutsRoundTrips: with LocalBatch 10 a burst of 100 takes
// about 10 round trips, and admits exactly the burst.
func TestLocalBatchCutsRoundTrips(t *testing.T) {
	srv := startServer(t, 0)
	l, n := cached(t, srv, engine.NewFakeClock(epoch), 10)
	got := 0
	for range 120 {
		if err := l.Allow(context.Background(), "hot", "100/minute"); err == nil {
			got++
		} else if !errors.Is(err, ratelimit.ErrLimited) {
			t.Fatal(err)
		}
	}
	// 10 batches of 10 and 20 refusals, each a script (EVALSHA, plus one
	// EVAL the first time), and the connection's set-up (HELLO, CLIENT
	// SETINFO): without the cache, 120 scripts.
	if got != 100 || n.n.Load() > 10+20+4 {
		t.Fatalf("100/minute over 120 calls: %d admitted with %d commands; want 100 with at most 34", got, n.n.Load())
	}
	if st := stats(t, l); st.Accepted != 100 || st.Rejected != 20 {
		t.Fatalf("stats: %+v", st)
	}
}

// TestLocalBatchAcrossProcesses: four limiters taking batches of 8 from
// one key never admit more than the server granted, whatever the
// interleaving.
func TestLocalBatchAcrossProcesses(t *testing.T) {
	srv := startServer(t, 0)
	clock := engine.NewFakeClock(epoch)
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		l, _ := cached(t, srv, clock, 8)
		for range 16 {
			wg.Go(func() {
				for range 20 {
					err := l.Allow(context.Background(), "hot", "20/minute")
					switch {
					case err == nil:
						admitted.Add(1)
					case !errors.Is(err, ratelimit.ErrLimited):
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if got := admitted.Load(); got > 20 || got < 8 {
		t.Fatalf("20/minute, 4 processes × 16 goroutines × 20 calls: %d admitted; want at most 20 (and at least one batch)", got)
	}
}
