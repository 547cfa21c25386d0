package adaptive_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/messages"
)

// TestStress runs 10,000 goroutines against a limiter. With the limit
// pinned (MinLimit = MaxLimit) in-flight never exceeds it at any instant;
// with AIMD moving it under a mix of outcomes it never exceeds MaxLimit.
// Every grant is released once and every permit is back at the end.
func TestStress(t *testing.T) {
	tests := []struct {
		name string
		cfg  adaptive.Config
	}{
		{"pinned", adaptive.Config{InitialLimit: 16, MinLimit: 16, MaxLimit: 16, Window: 10}},
		{"aimd", adaptive.Config{InitialLimit: 16, MinLimit: 2, MaxLimit: 32, Window: 10}},
		{"vegas", adaptive.Config{Algorithm: adaptive.Vegas, InitialLimit: 16, MinLimit: 2, MaxLimit: 32, Window: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const workers = 10000
			l, _, _ := newLimiter(t, tt.cfg)
			var active, granted, released, rejected atomic.Int64
			max := int64(tt.cfg.MaxLimit)
			var wg sync.WaitGroup
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := l.Acquire(context.Background())
					if err != nil {
						if !errors.Is(err, adaptive.ErrLimitExceeded) {
							t.Errorf("Acquire: %v", err)
						}
						rejected.Add(1)
						return
					}
					granted.Add(1)
					if n := active.Add(1); n > max {
						t.Errorf("active %d > %d", n, max)
					}
					runtime.Gosched()
					active.Add(-1)
					released.Add(1)
					o := messages.Success
					if i%4 == 0 {
						o = messages.Failure
					}
					l.Release(p, o)
				}()
			}
			wg.Wait()
			st := stats(t, l)
			if g := granted.Load(); g != released.Load() || g+rejected.Load() != workers || uint64(g) != st.Completed {
				t.Fatalf("granted %d released %d rejected %d completed %d", g, released.Load(), rejected.Load(), st.Completed)
			}
			if st.InFlight != 0 || st.Limit < tt.cfg.MinLimit || st.Limit > tt.cfg.MaxLimit {
				t.Fatalf("got %+v, want nothing in flight and the limit in bounds", st)
			}
			// Exactly Limit permits are back.
			ps := acquireN(t, l, st.Limit)
			if _, err := l.Acquire(context.Background()); !errors.Is(err, adaptive.ErrLimitExceeded) {
				t.Fatalf("Acquire beyond the limit: got %v", err)
			}
			releaseAll(l, ps, messages.Ignored)
			t.Logf("granted %d rejected %d limit %d", granted.Load(), rejected.Load(), st.Limit)
		})
	}
}
