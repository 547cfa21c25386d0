package ratelimit_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Thousands of goroutines over 100 keys while time moves and sweeps run
// between the bursts: per key, what was allowed never exceeds the limit.
// GCRA: in any interval of length d, at most N + d/T (a burst, then one
// per interval T). Sliding window: at most N in each window of one period.
func TestLimitHoldsAcrossSweeps(t *testing.T) {
	const (
		keys    = 100
		perKey  = 10 // callers per key in each burst
		phases  = 25
		count   = 5
		period  = time.Second
		rateStr = "5/second"
	)
	for _, alg := range algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			l, clock, _ := newLimiter(t, ratelimit.Config{Algorithm: alg, Shards: 4, SweepInterval: 100 * time.Millisecond})
			rng := rand.New(rand.NewPCG(7, uint64(alg)))
			var at [phases]time.Duration // each burst's time since the start
			var got [phases][keys]atomic.Int64
			var elapsed time.Duration
			evicted := 0
			for p := range phases {
				at[p] = elapsed
				var wg sync.WaitGroup
				for g := range keys * perKey {
					wg.Go(func() {
						k := g % keys
						err := l.Allow(context.Background(), "key-"+strconv.Itoa(k), rateStr)
						if err == nil {
							got[p][k].Add(1)
						} else if !errors.Is(err, ratelimit.ErrLimited) {
							t.Errorf("Allow: %v", err)
						}
					})
				}
				wg.Wait()
				step := time.Duration(rng.Int64N(int64(3 * period))) // long steps: keys get evicted
				clock.Advance(step)                                  // sweeps run in here
				elapsed += step
				if stats(t, l).ActiveKeys < keys {
					evicted++
				}
			}
			if evicted == 0 {
				t.Fatal("no key was ever evicted: the test proves nothing about sweeps")
			}
			interval := period / count
			for k := range keys {
				for i := range phases {
					sum := int64(0)
					for j := i; j < phases; j++ {
						sum += got[j][k].Load()
						var limit int64
						if alg == ratelimit.GCRA {
							limit = count + int64((at[j]-at[i])/interval)
						} else if at[j]/period == at[i]/period {
							limit = count // same window
						} else {
							break
						}
						if sum > limit {
							t.Fatalf("key %d: %d allowed in bursts %d..%d (%v apart), limit %d", k, sum, i, j, at[j]-at[i], limit)
						}
					}
				}
				if got[0][k].Load() != count {
					t.Fatalf("key %d: first burst allowed %d, want %d", k, got[0][k].Load(), count)
				}
			}
		})
	}
}

func TestGuardExecuteDo(t *testing.T) {
	l, _, _ := newLimiter(t, ratelimit.Config{})
	ctx := context.Background()
	kg, err := l.Guard("k", ratelimit.MustParseRate("2/minute"))
	if err != nil {
		t.Fatal(err)
	}
	var g engine.Guard = kg
	calls := 0
	fn := func(context.Context) error { calls++; return nil }
	if err := engine.Run(ctx, g, nil, fn); err != nil {
		t.Fatalf("Run via Guard: %v", err)
	}
	if err := l.Execute(ctx, "k", "2/minute", fn); err != nil {
		t.Fatalf("Execute: %v", err)
	}
	if err := engine.Run(ctx, g, nil, fn); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("third call: got %v, want ErrLimited", err)
	}
	v, err := ratelimit.Do(ctx, l, "other", "1/minute", func(context.Context) (int, error) { return 42, nil })
	if v != 42 || err != nil {
		t.Fatalf("Do: got %d, %v", v, err)
	}
	v, err = ratelimit.Do(ctx, l, "other", "1/minute", func(context.Context) (int, error) { return 42, nil })
	if v != 0 || !errors.Is(err, messages.ErrRateLimited) {
		t.Fatalf("Do limited: got %d, %v", v, err)
	}
	if calls != 2 {
		t.Fatalf("fn ran %d times, want 2", calls)
	}
}
