package loadshed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: any Config is either refused with a *messages.ConfigError
// (by Validate and New alike) or makes a shedder that, under a short
// workload from ops (acquire at a priority, release, misuse), never holds
// more than MaxInFlight and admits a Normal call whenever a slot is free.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), int64(0), []byte{0, 0, 1, 2, 0})
	f.Add(int64(3), int64(0), []byte{0, 4, 8, 12, 1, 0, 2, 3})
	f.Add(int64(-1), int64(0), []byte{})
	f.Add(int64(1<<40), int64(0), []byte{0})
	f.Add(int64(loadshed.LargestMaxInFlight), int64(loadshed.LargestMaxWaiting), []byte{0, 1})
	f.Add(int64(1), int64(-7), []byte{0, 0, 1})
	f.Fuzz(func(t *testing.T, maxInFlight, maxWaiting int64, ops []byte) {
		cfg := loadshed.Config{MaxInFlight: int(maxInFlight), MaxWaiting: int(maxWaiting)}
		verr := cfg.Validate()
		eng := newEngine(t)
		s, err := loadshed.New(eng, "fuzz", cfg)
		if verr != nil || err != nil {
			var ce *messages.ConfigError
			if !errors.As(verr, &ce) || err == nil || err.Error() != verr.Error() {
				t.Fatalf("Config %+v: New %v, Validate %v: want the same *ConfigError", cfg, err, verr)
			}
			return
		}
		limit := cfg.MaxInFlight
		if limit == 0 {
			limit = loadshed.DefaultMaxInFlight
		}
		ctx := context.Background()
		var held []engine.Permit
		for _, op := range ops {
			switch op % 4 {
			case 0, 1: // acquire at priority op/4 % 4; a full shedder is asked at Low (which never waits)
				pr := messages.Priority(op/4%4) - 1 // Low..Critical
				if len(held) == limit {
					pr = messages.Low
				}
				p, err := s.AcquirePriority(ctx, pr)
				switch {
				case err == nil:
					held = append(held, p)
				case len(held) < limit && pr != messages.Low:
					t.Fatalf("AcquirePriority(%v) with %d of %d held: %v", pr, len(held), limit, err)
				}
			case 2:
				if len(held) > 0 {
					s.Release(held[0], messages.Success)
					held = held[1:]
				}
			case 3:
				if forged, ok := waitqtest.Forged(op, held); ok {
					s.Release(forged, messages.Failure)
				}
			}
			if len(held) > limit {
				t.Fatalf("held %d permits, MaxInFlight %d", len(held), limit)
			}
		}
		st, err := s.Stats(ctx)
		if err != nil || st.InFlight != len(held) || st.MaxInFlight != limit {
			t.Fatalf("Stats: got in flight %d of %d (%v), want %d of %d", st.InFlight, st.MaxInFlight, err, len(held), limit)
		}
	})
}
