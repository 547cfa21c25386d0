package backpressure_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: any Config is either refused with a *messages.ConfigError
// (by Validate and New alike) or makes a gate that, under a short
// workload from ops (acquire without waiting, release, misuse), admits and
// refuses exactly as the hysteresis says: on at HighWaterMark, off at
// LowWaterMark, never more than HighWaterMark pending.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), int64(0), int64(0), int64(0), []byte{0, 0, 1, 2, 0})
	f.Add(int64(4), int64(3), int64(1), int64(0), []byte{0, 0, 0, 0, 2, 2, 0, 3, 2, 0})
	f.Add(int64(3), int64(3), int64(3), int64(-1), []byte{0, 0, 0, 0, 2, 0})
	f.Add(int64(10), int64(0), int64(backpressure.Drained), int64(time.Second), []byte{0, 1, 2})
	f.Add(int64(1<<40), int64(0), int64(0), int64(0), []byte{0})
	f.Add(int64(5), int64(6), int64(0), int64(0), []byte{})
	f.Add(int64(5), int64(2), int64(3), int64(-5), []byte{})
	f.Fuzz(func(t *testing.T, maxInFlight, high, low, maxWait int64, ops []byte) {
		cfg := backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: int(maxInFlight), HighWaterMark: int(high), LowWaterMark: int(low), MaxWait: time.Duration(maxWait)}
		verr := cfg.Validate()
		eng, _ := enginetest.StartFake(t, epoch)
		m, err := backpressure.New(eng, "fuzz", cfg)
		if verr != nil || err != nil {
			var ce *messages.ConfigError
			if !errors.As(verr, &ce) || err == nil || err.Error() != verr.Error() {
				t.Fatalf("Config %+v: New %v, Validate %v: want the same *ConfigError", cfg, err, verr)
			}
			return
		}
		ctx := context.Background()
		st, err := m.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		hi, lo := st.HighWaterMark, st.LowWaterMark
		var held []engine.Permit
		active := false
		for i, op := range ops {
			switch op % 4 {
			case 0, 1:
				p, err := m.AcquireNow(ctx)
				if (err == nil) == active {
					t.Fatalf("op %d: AcquireNow with %d pending, active %v: got %v", i, len(held), active, err)
				}
				if err == nil {
					held = append(held, p)
					active = len(held) >= hi
				}
			case 2:
				if len(held) > 0 {
					m.Release(held[0], messages.Success)
					held = held[1:]
					if active && len(held) <= lo && len(held) < hi {
						active = false
					}
				}
			case 3:
				if forged, ok := waitqtest.Forged(op, held); ok {
					m.Release(forged, messages.Failure)
				}
			}
			if len(held) > hi {
				t.Fatalf("op %d: %d pending, HighWaterMark %d", i, len(held), hi)
			}
		}
		st, err = m.Stats(ctx)
		if err != nil || st.InFlight != len(held) || st.Active != active {
			t.Fatalf("Stats: got pending %d active %v (%v), want %d %v", st.InFlight, st.Active, err, len(held), active)
		}
	})
}
