package stress

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// permitCase is one admission pattern at limit permitLimit: two instances
// (misused permits come from other) and g's figures.
type permitCase struct {
	name     string
	g, other engine.Guard
	reject   error
	// figures returns how many permits g holds and how many misused
	// Releases it counted.
	figures func(ctx context.Context) (inUse int, misused uint64, err error)
}

const permitLimit = 8

func permitCases(t *testing.T) []permitCase {
	t.Helper()
	eng := enginetest.Start(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var cs []permitCase

	bcfg := bulkhead.Config{MaxInFlight: permitLimit}
	b, err := bulkhead.New(eng, "permits", bcfg)
	must(err)
	bo, err := bulkhead.New(eng, "permits-other", bcfg)
	must(err)
	cs = append(cs, permitCase{"bulkhead", b, bo, bulkhead.ErrFull, func(ctx context.Context) (int, uint64, error) {
		st, err := b.Stats(ctx)
		return st.InFlight, st.Misused, err
	}})

	scfg := loadshed.Config{MaxInFlight: permitLimit}
	s, err := loadshed.New(eng, "permits", scfg)
	must(err)
	so, err := loadshed.New(eng, "permits-other", scfg)
	must(err)
	cs = append(cs, permitCase{"loadshed", s, so, loadshed.ErrShed, func(ctx context.Context) (int, uint64, error) {
		st, err := s.Stats(ctx)
		return st.InFlight, st.Misused, err
	}})

	mcfg := backpressure.Config{MaxInFlight: permitLimit, HighWaterMark: permitLimit, LowWaterMark: permitLimit - 1}
	m, err := backpressure.New(eng, "permits", mcfg)
	must(err)
	mo, err := backpressure.New(eng, "permits-other", mcfg)
	must(err)
	cs = append(cs, permitCase{"backpressure", m, mo, backpressure.ErrBackpressure, func(ctx context.Context) (int, uint64, error) {
		st, err := m.Stats(ctx)
		return st.InFlight, st.Misused, err
	}})

	acfg := adaptive.Config{InitialLimit: permitLimit, MinLimit: permitLimit, MaxLimit: permitLimit}
	l, err := adaptive.New(eng, "permits", acfg)
	must(err)
	lo, err := adaptive.New(eng, "permits-other", acfg)
	must(err)
	cs = append(cs, permitCase{"adaptive", l, lo, adaptive.ErrLimitExceeded, func(ctx context.Context) (int, uint64, error) {
		st, err := l.Stats(ctx)
		return st.InFlight, st.Misused, err
	}})
	return cs
}

// TestPermitsMisuseRace races misused Releases against real callers on the
// real clock, for every admission pattern: callers hold a permit across a
// yield, and one call in three then misuses one (releases its permit twice
// from two goroutines at once, releases the zero Permit, or a permit of
// another instance, or one it released calls ago, whose slot another
// caller may hold by now). No misuse frees a slot: the callers' own count of
// permits held never exceeds the limit; each misuse is counted once; at
// the end nothing is held and exactly the limit can be acquired again.
func TestPermitsMisuseRace(t *testing.T) {
	goroutines, calls := 64, 300
	if testing.Short() {
		goroutines, calls = 16, 100
	}
	for _, pc := range permitCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			ctx := context.Background()
			var g gauge
			var misuses, over, unexpected atomic.Int64
			var wg sync.WaitGroup
			for w := range goroutines {
				wg.Go(func() {
					var stale engine.Permit // released already
					for i := range calls {
						p, err := pc.g.Acquire(ctx)
						if err != nil {
							if !errors.Is(err, pc.reject) {
								unexpected.Add(1)
							}
							continue
						}
						if g.enter() > permitLimit {
							over.Add(1)
						}
						runtime.Gosched()
						g.leave()
						switch (w + i) % 6 {
						case 0: // the same permit twice, at once
							var both sync.WaitGroup
							both.Go(func() { pc.g.Release(p, messages.Success) })
							pc.g.Release(p, messages.Success)
							both.Wait()
							misuses.Add(1)
							continue
						case 1:
							pc.g.Release(engine.Permit{}, messages.Success)
							misuses.Add(1)
						case 2:
							if q, err := pc.other.Acquire(ctx); err == nil {
								pc.g.Release(q, messages.Failure)
								pc.other.Release(q, messages.Success)
								misuses.Add(1)
							}
						case 3:
							if stale != (engine.Permit{}) {
								pc.g.Release(stale, messages.Success)
								misuses.Add(1)
							}
						}
						pc.g.Release(p, messages.Success)
						stale = p
					}
				})
			}
			wg.Wait()
			if n := over.Load(); n != 0 {
				t.Errorf("%d admissions found more than %d permits held (peak %d)", n, permitLimit, g.peak.Load())
			}
			if n := unexpected.Load(); n != 0 {
				t.Errorf("%d Acquires failed with an error other than %v", n, pc.reject)
			}
			inUse, misused, err := pc.figures(ctx)
			if err != nil || inUse != 0 || misused != uint64(misuses.Load()) {
				t.Fatalf("in use, misused: got %d, %d (%v), want 0, %d", inUse, misused, err, misuses.Load())
			}
			admitsExactlyTheLimit(t, pc)
			t.Logf("peak held %d of %d, %d misuses", g.peak.Load(), permitLimit, misuses.Load())
		})
	}
}

// TestPermitsForgedForAFreeSlot: a Permit made up from a released one —
// its token again, or the token its slot's next grant would carry — frees
// nothing on any admission pattern while that slot is free: the pattern
// still admits exactly its limit, and each is counted as a misuse.
func TestPermitsForgedForAFreeSlot(t *testing.T) {
	for _, pc := range permitCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			ctx := context.Background()
			var first [2]engine.Permit
			for i := range first {
				p, err := pc.g.Acquire(ctx)
				if err != nil {
					t.Fatal(err)
				}
				first[i] = p
			}
			for _, p := range first {
				pc.g.Release(p, messages.Success)
			}
			forged := []engine.Permit{first[0], {Token: first[0].Token + 1}, first[1], {Token: first[1].Token + 1}}
			for _, p := range forged {
				pc.g.Release(p, messages.Success)
			}
			inUse, misused, err := pc.figures(ctx)
			if err != nil || inUse != 0 || misused != uint64(len(forged)) {
				t.Fatalf("in use, misused after %d forged releases: got %d, %d (%v), want 0, %d", len(forged), inUse, misused, err, len(forged))
			}
			admitsExactlyTheLimit(t, pc)
		})
	}
}

// admitsExactlyTheLimit checks that pc's instance, with nothing held,
// admits permitLimit callers and refuses the next, and releases them.
func admitsExactlyTheLimit(t *testing.T, pc permitCase) {
	t.Helper()
	ctx := context.Background()
	var held []engine.Permit
	for range permitLimit {
		p, err := pc.g.Acquire(ctx)
		if err != nil {
			t.Fatalf("Acquire %d of %d: %v", len(held)+1, permitLimit, err)
		}
		held = append(held, p)
	}
	if _, err := pc.g.Acquire(ctx); !errors.Is(err, pc.reject) {
		t.Fatalf("Acquire past the limit: got %v, want %v", err, pc.reject)
	}
	for _, p := range held {
		pc.g.Release(p, messages.Success)
	}
}
