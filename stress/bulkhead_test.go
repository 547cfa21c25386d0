package stress

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestBulkheadStress hammers one bulkhead (16 slots, 256 waiting) with the
// call mix; a tenth of the waiters give up (their context ends) while they
// wait, which must never lose or duplicate a slot.
func TestBulkheadStress(t *testing.T) {
	const limit = 16
	eng := enginetest.Start(t)
	b, err := bulkhead.New(eng, "stress", bulkhead.Config{MaxInFlight: limit, MaxWaiting: 256})
	if err != nil {
		t.Fatal(err)
	}
	rep := hammerGuard(t, guardCase{
		guard: b, reject: bulkhead.ErrFull,
		limit: func() int { return limit },
		probe: func(ctx context.Context) (int, int) {
			return probeGuard(ctx, b, 20*time.Millisecond, limit), limit
		},
	})
	st, err := b.Stats(context.Background())
	if err != nil || st.InFlight != 0 || st.Waiting != 0 || st.PeakInFlight > limit {
		t.Errorf("Stats after the hammer: got %+v, %v; want nothing active or waiting, peak ≤ %d", st, err, limit)
	}
	if st.Accepted != uint64(rep.granted+limit) { // the probe's slots too
		t.Errorf("Stats: %d accepted, want %d (the callers') + %d (the probe's)", st.Accepted, rep.granted, limit)
	}
}

func init() {
	soakParts = append(soakParts, soakPart{name: "bulkhead", setup: func(t *testing.T) (func(int) func(), func() (string, error)) {
		const limit = 16
		b, err := bulkhead.New(enginetest.Start(t), "soak", bulkhead.Config{MaxInFlight: limit, MaxWaiting: 256})
		if err != nil {
			t.Fatal(err)
		}
		return newGuardLoad(guardCase{guard: b, reject: bulkhead.ErrFull, limit: func() int { return limit }}, func(int64, int64) {}).soak()
	}})
}
