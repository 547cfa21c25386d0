package stress

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// critical acquires a shedder's permits at Critical priority, which is
// never shed below capacity.
type critical struct{ s *loadshed.Shedder }

func (c critical) Acquire(ctx context.Context) (engine.Permit, error) {
	return c.s.AcquirePriority(ctx, messages.Critical)
}
func (c critical) Release(p engine.Permit, o messages.Outcome) { c.s.Release(p, o) }

// TestLoadShedderStress hammers one shedder (16 slots, a queue of 256).
func TestLoadShedderStress(t *testing.T) {
	const limit = 16
	eng := enginetest.Start(t)
	s, err := loadshed.New(eng, "stress", loadshed.Config{MaxInFlight: limit, MaxWaiting: 256})
	if err != nil {
		t.Fatal(err)
	}
	hammerGuard(t, guardCase{
		guard: s, reject: loadshed.ErrShed,
		limit: func() int { return limit },
		probe: func(ctx context.Context) (int, int) {
			return probeGuard(ctx, critical{s}, 50*time.Millisecond, limit), limit
		},
	})
	st, err := s.Stats(context.Background())
	if err != nil || st.InFlight != 0 || st.Waiting != 0 {
		t.Errorf("Stats after the hammer: got %+v, %v; want nothing in flight or queued", st, err)
	}
}

func init() {
	soakParts = append(soakParts, soakPart{name: "loadshed", setup: func(t *testing.T) (func(int) func(), func() (string, error)) {
		const limit = 16
		s, err := loadshed.New(enginetest.Start(t), "soak", loadshed.Config{MaxInFlight: limit, MaxWaiting: 256})
		if err != nil {
			t.Fatal(err)
		}
		return newGuardLoad(guardCase{guard: s, reject: loadshed.ErrShed, limit: func() int { return limit }}, func(int64, int64) {}).soak()
	}})
}
