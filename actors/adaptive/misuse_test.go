package adaptive_test

import (
	"time"

	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/messages"
)

// A misused Release — the same permit twice, a zero Permit, a permit of
// another limiter — frees nothing and reports no outcome: at limit 3 a
// fourth caller is still refused, and the misuse is counted in
// Stats.Misused.
func TestMisusedReleaseFreesNothing(t *testing.T) {
	cfg := adaptive.Config{InitialLimit: 3, MinLimit: 3, MaxLimit: 3}
	waitqtest.CheckMisuse(t, func(t *testing.T) waitqtest.Pair {
		l, _, eng := newLimiter(t, cfg)
		other, err := adaptive.New(eng, "other", cfg)
		if err != nil {
			t.Fatal(err)
		}
		return waitqtest.Pair{G: l, Other: other, Figures: func() (int, uint64) {
			st := stats(t, l)
			return st.InFlight, st.Misused
		}}
	})
}

// A second Release of a permit reports no second outcome.
func TestMisusedReleaseReportsNothing(t *testing.T) {
	l, _, _ := newLimiter(t, adaptive.Config{})
	p := acquireN(t, l, 1)[0]
	l.Release(p, messages.Failure)
	l.Release(p, messages.Failure)
	if st := stats(t, l); st.Completed != 1 || st.Failed != 1 || st.Misused != 1 || st.InFlight != 0 {
		t.Fatalf("completed, failures, misused, in flight: got %d %d %d %d, want 1 1 1 0", st.Completed, st.Failed, st.Misused, st.InFlight)
	}
}

// A permit whose Start was moved into the future (the only caller clock
// reading the limiter combines with its windows) reports a latency of
// zero, never a negative one.
func TestFutureStartIsNoNegativeLatency(t *testing.T) {
	l, clock, _ := newLimiter(t, adaptive.Config{Algorithm: adaptive.Vegas, Window: 1})
	p := acquireN(t, l, 1)[0]
	p.Start = clock.Now().Add(time.Hour)
	l.Release(p, messages.Success)
	if st := stats(t, l); st.Completed != 1 || st.RecentRTT < 0 || st.BaselineRTT < 0 {
		t.Fatalf("completed, recent, baseline: got %d, %v, %v, want 1 and latencies ≥ 0", st.Completed, st.RecentRTT, st.BaselineRTT)
	}
}
