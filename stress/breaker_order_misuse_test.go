package stress

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestBreakerMisuseRaced races zero, foreign and double Releases against
// real callers. In CLOSED, the zero and foreign permits' failures count
// nothing (a threshold-2 breaker stays closed) and each is counted once as
// misuse. In HALF_OPEN, a trial released twice frees nothing: never more
// than HalfOpenMaxCalls trials in flight, and every second Release is
// counted as misuse, never as a success.
func TestBreakerMisuseRaced(t *testing.T) {
	ctx := context.Background()
	n, per := 64, 200
	if testing.Short() {
		n, per = 16, 50
	}
	t.Run("closed", func(t *testing.T) {
		eng := enginetest.Start(t)
		b, err := circuitbreaker.New(eng, "misuse", circuitbreaker.Config{FailureThreshold: 2})
		if err != nil {
			t.Fatal(err)
		}
		other, err := circuitbreaker.New(eng, "other", circuitbreaker.Config{})
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := other.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Release(foreign, messages.Success)
		var wg sync.WaitGroup
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					if err := b.Execute(ctx, func(context.Context) error { return nil }); err != nil {
						t.Errorf("call: %v", err)
						return
					}
					b.Release(engine.Permit{}, messages.Failure)
					b.Release(foreign, messages.Failure)
				}
			}()
		}
		wg.Wait()
		s, err := b.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := uint64(n * per); s.State != circuitbreaker.Closed || s.Failed != 0 || s.Succeeded != want || s.Misused != 2*want {
			t.Fatalf("got %v, %d failed, %d ok, %d misused; want closed, 0, %d, %d", s.State, s.Failed, s.Succeeded, s.Misused, want, 2*want)
		}
	})
	t.Run("half-open", func(t *testing.T) {
		const maxTrials = 3
		clock := engine.NewFakeClock(time.Unix(1e9, 0))
		eng := enginetest.Start(t, engine.WithClock(clock))
		b, err := circuitbreaker.New(eng, "trials", circuitbreaker.Config{FailureThreshold: 1, RecoveryTimeout: time.Second,
			HalfOpenMaxCalls: maxTrials, SuccessThreshold: circuitbreaker.LargestSuccessThreshold, HalfOpenLease: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Execute(ctx, func(context.Context) error { return errors.New("down") }); err == nil {
			t.Fatal("the failure did not fail")
		}
		clock.Advance(time.Second) // half-open from now on: only trials pass
		var (
			g                gauge
			granted, refused atomic.Int64
			wg               sync.WaitGroup
		)
		for w := 0; w < n; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					p, err := b.Acquire(ctx)
					if err != nil {
						if !errors.Is(err, circuitbreaker.ErrOpen) {
							t.Errorf("acquire: %v", err)
							return
						}
						refused.Add(1)
						continue
					}
					granted.Add(1)
					if v := g.enter(); v > maxTrials {
						t.Errorf("%d trials in flight, want at most %d", v, maxTrials)
					}
					runtime.Gosched() // let others try while this trial holds its slot
					g.leave()
					b.Release(p, messages.Success)
					b.Release(p, messages.Success) // frees nothing
				}
			}()
		}
		wg.Wait()
		s, err := b.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		k := uint64(granted.Load())
		if s.State != circuitbreaker.HalfOpen || s.Succeeded != k || s.Misused != k || s.HalfOpenInFlight != 0 || s.Rejected != uint64(refused.Load()) {
			t.Fatalf("got %+v; want half_open, %d ok, %d misused, %d rejected, none in flight", s, k, k, refused.Load())
		}
		t.Logf("%d trials, %d refused, peak %d in flight", k, refused.Load(), g.peak.Load())
	})
}
