package bulkhead_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: any Config is either refused with a *messages.ConfigError
// (by Validate and New alike) or makes a bulkhead that, under a short
// workload from ops (acquire, release, misuse), grants exactly while fewer
// than MaxInFlight permits are held and never more.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), int64(0), int64(0), []byte{0, 0, 1, 2, 0})
	f.Add(int64(3), int64(2), int64(time.Second), []byte{0, 0, 0, 0, 1, 0, 2, 3})
	f.Add(int64(-1), int64(0), int64(0), []byte{})
	f.Add(int64(1<<40), int64(0), int64(0), []byte{0})
	f.Add(int64(bulkhead.LargestMaxInFlight), int64(bulkhead.LargestMaxWaiting), int64(-1), []byte{0, 1})
	f.Add(int64(1), int64(1<<21), int64(0), []byte{0, 0, 1})
	f.Fuzz(func(t *testing.T, maxConcurrent, maxWaiting, maxWait int64, ops []byte) {
		cfg := bulkhead.Config{MaxInFlight: int(maxConcurrent), MaxWaiting: int(maxWaiting), MaxWait: time.Duration(maxWait)}
		verr := cfg.Validate()
		b, _, eng := newBulkheadOrErr(t, cfg)
		if verr != nil {
			var ce *messages.ConfigError
			if !errors.As(verr, &ce) || !errors.Is(verr, messages.ErrInvalidConfig) {
				t.Fatalf("Validate(%+v): got %v, want a *ConfigError", cfg, verr)
			}
			if b != nil || eng == nil {
				t.Fatalf("New(%+v) with Validate %v: got a bulkhead", cfg, verr)
			}
			return
		}
		if b == nil {
			t.Fatalf("New(%+v): refused, Validate accepted it", cfg)
		}
		limit := cfg.MaxInFlight
		if limit == 0 {
			limit = bulkhead.DefaultMaxInFlight
		}
		ended, cancel := context.WithCancel(context.Background())
		cancel()
		var held []engine.Permit
		for _, op := range ops {
			switch op % 4 {
			case 0, 1: // acquire: never waits, the context has ended
				p, err := b.Acquire(ended)
				switch {
				case err == nil:
					held = append(held, p)
				case len(held) < limit:
					t.Fatalf("Acquire with %d of %d held: %v", len(held), limit, err)
				}
			case 2: // release the oldest
				if len(held) > 0 {
					b.Release(held[0], messages.Success)
					held = held[1:]
				}
			case 3: // misuse
				if forged, ok := waitqtest.Forged(op, held); ok {
					b.Release(forged, messages.Failure)
				}
			}
			if len(held) > limit {
				t.Fatalf("held %d permits, MaxInFlight %d", len(held), limit)
			}
		}
		st, err := b.Stats(context.Background())
		if err != nil || st.InFlight != len(held) || st.MaxInFlight != limit {
			t.Fatalf("Stats: got active %d of %d (%v), want %d of %d", st.InFlight, st.MaxInFlight, err, len(held), limit)
		}
	})
}

// newBulkheadOrErr starts an engine on a fake clock and asks it for a
// bulkhead; b is nil when New refused cfg.
func newBulkheadOrErr(t *testing.T, cfg bulkhead.Config) (*bulkhead.Bulkhead, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := newEngine(t)
	b, err := bulkhead.New(eng, "fuzz", cfg)
	if err != nil {
		if verr := cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Fatalf("New(%+v): got %v, Validate %v", cfg, err, verr)
		}
		return nil, clock, eng
	}
	return b, clock, eng
}
