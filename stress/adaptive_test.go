package stress

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestAdaptiveStress hammers one adaptive limiter of each algorithm; the
// failures and slow calls move its limit while it runs. In flight never
// exceeds MaxLimit, at the end exactly Limit permits are free, and Stats
// counts every release and every refusal exactly once.
func TestAdaptiveStress(t *testing.T) {
	for _, alg := range []adaptive.Algorithm{adaptive.AIMD, adaptive.Vegas} {
		t.Run(alg.String(), func(t *testing.T) {
			const most = 40
			eng := enginetest.Start(t)
			l, err := adaptive.New(eng, "stress", adaptive.Config{Algorithm: alg, InitialLimit: 20, MinLimit: 4, MaxLimit: most, Window: 50})
			if err != nil {
				t.Fatal(err)
			}
			var probed int
			rep := hammerGuard(t, guardCase{
				guard: l, reject: adaptive.ErrLimitExceeded,
				limit: func() int { return most },
				probe: func(ctx context.Context) (int, int) {
					st, err := l.Stats(ctx)
					if err != nil {
						t.Fatal(err)
					}
					probed = probeGuard(ctx, l, 0, most) // refuses at once; a timeout could end before Acquire looks
					return probed, st.Limit
				},
			})
			// Every Release counted once, and every refusal: the hammer's
			// and the probe's (its permits, and the Acquire refused after).
			st, err := l.Stats(context.Background())
			if err != nil || st.InFlight != 0 || st.Completed != uint64(rep.released)+uint64(probed) ||
				st.Rejected != uint64(rep.rejected)+1 {
				t.Errorf("Stats after the hammer: got %+v, %v; want nothing in flight, %d completed, %d rejected",
					st, err, rep.released+int64(probed), rep.rejected+1)
			}
			t.Logf("limit %d (min %d, max %d) after %d completed", st.Limit, st.MinLimit, st.MaxLimit, st.Completed)
		})
	}
}

func init() {
	soakParts = append(soakParts, soakPart{name: "adaptive", setup: func(t *testing.T) (func(int) func(), func() (string, error)) {
		const most = 40
		l, err := adaptive.New(enginetest.Start(t), "soak", adaptive.Config{InitialLimit: 20, MinLimit: 4, MaxLimit: most, Window: 50})
		if err != nil {
			t.Fatal(err)
		}
		return newGuardLoad(guardCase{guard: l, reject: adaptive.ErrLimitExceeded, limit: func() int { return most }}, func(int64, int64) {}).soak()
	}})
}
