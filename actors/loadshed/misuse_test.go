package loadshed_test

import (
	"testing"

	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/actors/loadshed"
)

// A misused Release — the same permit twice, a zero Permit, a permit of
// another shedder — frees nothing: at MaxInFlight 3 a fourth caller is
// still shed, and the misuse is counted in Stats.Misused.
func TestMisusedReleaseFreesNothing(t *testing.T) {
	cfg := loadshed.Config{MaxInFlight: 3}
	waitqtest.CheckMisuse(t, func(t *testing.T) waitqtest.Pair {
		s, eng := newShedder(t, cfg)
		other, err := loadshed.New(eng, "other", cfg)
		if err != nil {
			t.Fatal(err)
		}
		return waitqtest.Pair{G: s, Other: other, Figures: func() (int, uint64) {
			st := stats(t, s)
			return st.InFlight, st.Misused
		}}
	})
}
