package backpressure_test

import (
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
)

// A misused Release — the same permit twice, a zero Permit, a permit of
// another manager — takes no item away: with 3 pending at HighWaterMark 3
// (LowWaterMark 2, so one item less would turn backpressure off) a fourth
// caller is still refused, and the misuse is counted in Stats.Misused.
func TestMisusedReleaseFreesNothing(t *testing.T) {
	cfg := backpressure.Config{MaxInFlight: 3, HighWaterMark: 3, LowWaterMark: 2}
	waitqtest.CheckMisuse(t, func(t *testing.T) waitqtest.Pair {
		m, _, eng := newGate(t, cfg)
		other, err := backpressure.New(eng, "other", cfg)
		if err != nil {
			t.Fatal(err)
		}
		return waitqtest.Pair{G: m, Other: other, Figures: func() (int, uint64) {
			st := stats(t, m)
			return st.InFlight, st.Misused
		}}
	})
}
