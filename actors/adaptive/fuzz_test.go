package adaptive_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: any Config is either refused with a *messages.ConfigError
// (by Validate and New alike) or makes a limiter that, under a short
// workload from ops (acquire, release with an outcome, misuse), keeps its
// limit within [MinLimit, MaxLimit], never holds more than MaxLimit
// permits, and grants only below its limit.
func FuzzConfig(f *testing.F) {
	f.Add(uint8(0), int64(0), int64(0), int64(0), int64(0), 0.0, int64(0), 0.0, 0.0, int64(0), []byte{0, 1, 2, 3})
	f.Add(uint8(0), int64(5), int64(1), int64(10), int64(1<<62), 0.5, int64(1), 0.9, 0.5, int64(1), []byte{0, 0, 0, 1, 1, 1, 0, 0})
	f.Add(uint8(1), int64(3), int64(3), int64(3), int64(1), 0.5, int64(2), 1.0, 0.1, int64(1), []byte{0, 0, 0, 0, 2, 2, 3})
	f.Add(uint8(0), int64(0), int64(0), int64(1<<62), int64(1<<62), 0.0, int64(0), 0.0, 0.0, int64(0), []byte{0})
	f.Add(uint8(2), int64(-1), int64(0), int64(0), int64(0), 1.5, int64(-1), 2.0, -1.0, int64(-1), []byte{})
	f.Fuzz(func(t *testing.T, alg uint8, initial, minL, maxL, increase int64, decrease float64, window int64,
		success, failure float64, baseline int64, ops []byte) {
		cfg := adaptive.Config{Algorithm: adaptive.Algorithm(alg), InitialLimit: int(initial), MinLimit: int(minL), MaxLimit: int(maxL),
			Increase: int(increase), DecreaseFactor: decrease, Window: int(window),
			IncreaseAtSuccessRate: success, DecreaseAtFailureRate: failure, BaselineWindows: int(baseline)}
		verr := cfg.Validate()
		l, clock, _ := newLimiterOrNil(t, cfg)
		if verr != nil || l == nil {
			var ce *messages.ConfigError
			if !errors.As(verr, &ce) || l != nil {
				t.Fatalf("Config %+v: Validate %v, limiter %v: want a *ConfigError and no limiter", cfg, verr, l)
			}
			return
		}
		ctx := context.Background()
		st, err := l.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := st.MinLimit, st.MaxLimit
		var held []engine.Permit
		outcomes := []messages.Outcome{messages.Success, messages.Failure, messages.Ignored}
		for i, op := range ops {
			switch op % 4 {
			case 0, 1:
				limit := l.Limit()
				p, err := l.Acquire(ctx)
				if err == nil {
					held = append(held, p)
				}
				limit = max(limit, l.Limit()) // the actor may have raised it meanwhile
				if err == nil && len(held) > limit {
					t.Fatalf("op %d: granted with %d held at limit %d", i, len(held), limit)
				}
			case 2:
				if len(held) > 0 {
					clock.Advance(1)
					l.Release(held[0], outcomes[int(op/4)%len(outcomes)])
					held = held[1:]
				}
			case 3:
				if forged, ok := waitqtest.Forged(op, held); ok {
					l.Release(forged, messages.Failure)
				}
			}
			if n := l.Limit(); n < lo || n > hi || len(held) > hi {
				t.Fatalf("op %d: limit %d, %d held, want the limit in [%d, %d]", i, n, len(held), lo, hi)
			}
		}
		st, err = l.Stats(ctx)
		if err != nil || st.InFlight != len(held) || st.Limit < lo || st.Limit > hi {
			t.Fatalf("Stats: got in flight %d limit %d (%v), want %d and a limit in [%d, %d]", st.InFlight, st.Limit, err, len(held), lo, hi)
		}
	})
}

// newLimiterOrNil is newLimiter that returns a nil limiter when New
// refuses cfg, checking that the refusal is Validate's.
func newLimiterOrNil(t *testing.T, cfg adaptive.Config) (*adaptive.Limiter, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := enginetest.StartFake(t, epoch)
	l, err := adaptive.New(eng, "fuzz", cfg)
	if err != nil {
		if verr := cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Fatalf("New(%+v): got %v, Validate %v", cfg, err, verr)
		}
		return nil, clock, eng
	}
	return l, clock, eng
}
