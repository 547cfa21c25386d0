package bulkhead_test

import (
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
)

// A misused Release — the same permit twice, a zero Permit, a permit of
// another bulkhead — frees nothing: at MaxInFlight 3 a fourth caller is
// still refused, and the misuse is counted in Stats.Misused.
func TestMisusedReleaseFreesNothing(t *testing.T) {
	waitqtest.CheckMisuse(t, func(t *testing.T) waitqtest.Pair {
		b, _, eng := newBulkhead(t, bulkhead.Config{MaxInFlight: 3})
		other, err := bulkhead.New(eng, "other", bulkhead.Config{MaxInFlight: 3})
		if err != nil {
			t.Fatal(err)
		}
		return waitqtest.Pair{G: b, Other: other, Figures: func() (int, uint64) {
			st := stats(t, b)
			return st.InFlight, st.Misused
		}}
	})
}
