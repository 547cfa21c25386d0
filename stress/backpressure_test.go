package stress

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// bpConfig: 32 pending at most, backpressure on at 24 and off at 8; a call
// that meets it waits up to a millisecond.
var bpConfig = backpressure.Config{MaxInFlight: 32, HighWaterMark: 24, LowWaterMark: 8, MaxWaiting: 32, MaxWait: time.Millisecond}

// TestBackpressureStress hammers one manager with the call mix: pending
// never exceeds MaxInFlight at any instant, every item is released once,
// and afterwards exactly HighWaterMark items are admitted before
// backpressure turns on again (nothing leaked, nothing counted twice).
func TestBackpressureStress(t *testing.T) {
	m, err := backpressure.New(enginetest.Start(t), "stress", bpConfig)
	if err != nil {
		t.Fatal(err)
	}
	hammerGuard(t, guardCase{
		guard: m, reject: backpressure.ErrBackpressure,
		limit: func() int { return bpConfig.MaxInFlight },
		probe: func(ctx context.Context) (int, int) {
			return probeGuard(ctx, m, 20*time.Millisecond, bpConfig.MaxInFlight), bpConfig.HighWaterMark
		},
	})
	st, err := m.Stats(context.Background())
	if err != nil || st.InFlight != 0 || st.Waiting != 0 || st.Active {
		t.Errorf("Stats after the hammer: got %+v, %v; want nothing pending or waiting, backpressure off", st, err)
	}
}

func init() {
	soakParts = append(soakParts, soakPart{name: "backpressure", setup: func(t *testing.T) (func(int) func(), func() (string, error)) {
		m, err := backpressure.New(enginetest.Start(t), "soak", bpConfig)
		if err != nil {
			t.Fatal(err)
		}
		return newGuardLoad(guardCase{guard: m, reject: backpressure.ErrBackpressure, limit: func() int { return bpConfig.MaxInFlight }}, func(int64, int64) {}).soak()
	}})
}
