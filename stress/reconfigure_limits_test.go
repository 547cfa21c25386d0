package stress

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestRateLimiterReconfigureRealClock hammers four keys of a two-shard
// limiter on the real clock with 48 goroutines (Allow, Check and a
// KeyGuard) while another goroutine reconfigures it back and forth, and
// checks every interval [a, b] between observed instants against the bound
// of TestRateLimiterRealClock, per key:
//
//   - "keep": between no key cap with a 10 s sweep and a cap below the keys
//     in use with a 1 ms sweep, every few ms. A Reconfigure keeps
//     every key's word, so the bound holds across every change with no
//     slack: at most Count + floor((b-a)*Count/Period) grants.
//   - "algorithm": between GCRA and the sliding window, every few ms. Each
//     change starts every key afresh, so the bound is the sum of the
//     pieces between changes: (1+s)*Count + floor((b-a)*Count/Period),
//     with s the changes whose Reconfigure call overlaps [a, b].
//
// Every decision is counted once: Stats.Accepted is the grants the callers
// saw and Stats.Rejected their refusals.
func TestRateLimiterReconfigureRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	for _, alg := range []ratelimit.Algorithm{ratelimit.GCRA, ratelimit.SlidingWindow} {
		t.Run("keep/"+alg.String(), func(t *testing.T) {
			hammerReconfigure(t, ratelimit.Config{Algorithm: alg, Shards: 2},
				ratelimit.Config{Algorithm: alg, Shards: 2, MaxKeys: 2, SweepInterval: time.Millisecond}, 5*time.Millisecond)
		})
	}
	t.Run("algorithm", func(t *testing.T) {
		hammerReconfigure(t, ratelimit.Config{Algorithm: ratelimit.GCRA, Shards: 2},
			ratelimit.Config{Algorithm: ratelimit.SlidingWindow, Shards: 2}, 15*time.Millisecond)
	})
}

// span is the time a Reconfigure call took, from before it to after it
// returned.
type span struct{ from, to time.Duration }

// hammerReconfigure runs TestRateLimiterReconfigureRealClock's hammer with
// one goroutine flipping the limiter between a and b, pausing pause after
// each change, and checks the bound (with one burst more for each change
// that overlaps an interval when the algorithms differ).
func hammerReconfigure(t *testing.T, a, b ratelimit.Config, pause time.Duration) {
	rate := ratelimit.Rate{Count: 50, Period: 100 * time.Millisecond}
	keys := []string{"k0", "k1", "k2", "k3"}
	const workers, flips = 48, 20
	eng := enginetest.Start(t)
	l, err := ratelimit.New(eng, "rcf", a)
	if err != nil {
		t.Fatal(err)
	}
	guards := make([]ratelimit.KeyGuard, len(keys))
	for i, k := range keys {
		if guards[i], err = l.Guard(k, rate); err != nil {
			t.Fatal(err)
		}
		if err := guards[i].Allow(context.Background()); err != nil { // every key exists before a cap comes
			t.Fatal(err)
		}
	}
	start := time.Now()
	// The hammer runs until the flipper has made its changes: on a loaded
	// machine one Reconfigure may wait long for its turn on a CPU.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var mu sync.Mutex
	grants := make([][]grant, len(keys))
	var refused atomic.Int64
	var changes []span
	var wg sync.WaitGroup
	wg.Go(func() {
		defer cancel()
		for i := 0; i < flips && ctx.Err() == nil; i++ {
			cfg := a
			if i%2 == 0 {
				cfg = b
			}
			from := time.Since(start)
			if err := l.Reconfigure(context.Background(), cfg); err != nil {
				t.Errorf("Reconfigure: %v", err)
				return
			}
			changes = append(changes, span{from, time.Since(start)})
			time.Sleep(pause)
		}
	})
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			mine := make([][]grant, len(keys))
			for ctx.Err() == nil {
				k := rng.IntN(len(keys))
				from := time.Since(start)
				var ok bool
				var err error
				switch w % 3 {
				case 0:
					err = l.AllowRate(ctx, keys[k], rate)
					ok = err == nil
					if errors.Is(err, ratelimit.ErrLimited) {
						err = nil
					}
				case 1:
					var res ratelimit.Result
					res, err = l.CheckRate(ctx, keys[k], rate)
					ok = res.Allowed
				default:
					var res ratelimit.Result
					res, err = guards[k].Check(ctx)
					ok = res.Allowed
				}
				to := time.Since(start)
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("worker %d: %v", w, err)
					}
					break
				}
				if ok {
					mine[k] = append(mine[k], grant{from, to})
				} else {
					refused.Add(1)
				}
				// Let the flipper in: with 48 goroutines that never block
				// on 2 CPUs, a goroutine waking from a sleep would wait a
				// whole round of time slices.
				runtime.Gosched()
			}
			mu.Lock()
			for k := range mine {
				grants[k] = append(grants[k], mine[k]...)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(changes) < flips {
		t.Fatalf("only %d Reconfigures ran in a minute", len(changes))
	}
	flipped := len(changes)
	if a.Algorithm == b.Algorithm {
		changes = nil // no change resets a key
	}
	total := len(keys) // the first Allow of each key
	for k, g := range grants {
		total += len(g)
		if n, lo, hi, bound := worstIntervalAcross(g, rate, changes); n > bound {
			t.Errorf("%s: got %d grants within [%v, %v] (%v), want at most %d", keys[k], n, lo, hi, hi-lo, bound)
		}
	}
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Accepted != uint64(total) || st.Rejected != uint64(refused.Load()) {
		t.Fatalf("Stats: %d accepted, %d rejected; the callers saw %d grants, %d refusals",
			st.Accepted, st.Rejected, total, refused.Load())
	}
	t.Logf("%d grants, %d refusals, %d Reconfigures", total, refused.Load(), flipped)
}

// worstIntervalAcross is worstInterval when every change in resets (spans
// in order, not overlapping) adds a burst to the bound of the intervals it
// overlaps: Count*(1+s) + floor((b-a)*Count/Period).
func worstIntervalAcross(grants []grant, r ratelimit.Rate, resets []span) (n int, a, b time.Duration, bound int) {
	slices.SortFunc(grants, func(x, y grant) int { return int(x.from - y.from) })
	overlapping := func(lo, hi time.Duration) int {
		began := sort.Search(len(resets), func(i int) bool { return resets[i].from > hi })
		ended := sort.Search(len(resets), func(i int) bool { return resets[i].to >= lo })
		return max(began-ended, 0)
	}
	worst := -1 << 62
	for i := range grants {
		lo := grants[i].from
		tos := make([]time.Duration, 0, len(grants)-i)
		for _, g := range grants[i:] {
			tos = append(tos, g.to)
		}
		slices.Sort(tos)
		for k, hi := range tos {
			if k+1 < len(tos) && tos[k+1] == hi {
				continue
			}
			lim := int(r.Count*int64(1+overlapping(lo, hi)) + int64(hi-lo)*r.Count/int64(r.Period))
			if over := k + 1 - lim; over > worst {
				worst, n, a, b, bound = over, k+1, lo, hi, lim
			}
		}
	}
	return n, a, b, bound
}

// TestAdaptiveReconfigureRealClock hammers an adaptive limiter with 48
// goroutines while another reconfigures it back and forth between
// [2, 8] and [12, 24]; the windows move the limit too. The calls in flight
// (counted by the callers, between Acquire's return and Release) never
// exceed 24, the larger MaxLimit: right after a change to [2, 8] the calls
// admitted under the higher limit are still in flight, which is the
// documented behaviour (they finish; nobody is admitted until fewer than
// the new limit are in flight). Once the limiter's own in-flight count is
// down to 8 under [2, 8], never more than 8 until the next change. Every
// Acquire is counted once: Stats.Completed is the grants, Stats.Rejected
// the refusals, nothing is left in flight and nothing misused.
func TestAdaptiveReconfigureRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	low := adaptive.Config{InitialLimit: 8, MinLimit: 2, MaxLimit: 8, Window: 10}
	high := adaptive.Config{InitialLimit: 12, MinLimit: 12, MaxLimit: 24, Window: 40}
	const workers, flips = 48, 30
	eng := enginetest.Start(t)
	l, err := adaptive.New(eng, "rcf", high)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // ends after the flips
	defer cancel()
	var g gauge
	// phase is odd while the limit in force is at most 8 and the calls
	// admitted under a higher one have finished: the flipper makes it odd
	// once Stats.InFlight is down to 8 after a change to low, and even
	// again before it changes to high. A caller that reads the same phase
	// before and after counting itself in was counted within that phase.
	var phase atomic.Int64
	var overStrict, grants, refused, done atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		defer cancel()
		for i := 0; i < flips && ctx.Err() == nil; i++ {
			cfg := low
			if i%2 == 1 {
				cfg = high
				if phase.Load()%2 == 1 {
					phase.Add(1)
				}
			}
			if err := l.Reconfigure(context.Background(), cfg); err != nil {
				t.Errorf("Reconfigure: %v", err)
				return
			}
			done.Add(1)
			if cfg == low && waitFor(50*time.Millisecond, func() bool {
				st, err := l.Stats(context.Background())
				return err == nil && st.InFlight <= 8
			}) {
				phase.Add(1)
			}
			time.Sleep(time.Duration(rand.IntN(10000)) * time.Microsecond)
		}
	})
	for w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				p, err := l.Acquire(ctx)
				if errors.Is(err, adaptive.ErrLimitExceeded) {
					refused.Add(1)
					runtime.Gosched()
					continue
				}
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("Acquire: %v", err)
					}
					return
				}
				before := phase.Load()
				n := g.enter()
				if before%2 == 1 && phase.Load() == before && n > 8 {
					overStrict.Add(1)
				}
				grants.Add(1)
				runtime.Gosched() // hold the permit while others run
				o := messages.Success
				if w%7 == 0 {
					o = messages.Failure
				}
				g.leave()
				l.Release(p, o)
				runtime.Gosched() // let the flipper in (see hammerReconfigure)
			}
		})
	}
	wg.Wait()
	if peak := g.peak.Load(); peak > 24 {
		t.Fatalf("%d calls in flight at once, want at most 24 (the larger MaxLimit)", peak)
	}
	if n := overStrict.Load(); n > 0 {
		t.Fatalf("%d calls saw more than 8 in flight under [2, 8] once it had drained", n)
	}
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Completed != uint64(grants.Load()) || st.Rejected != uint64(refused.Load()) || st.InFlight != 0 || st.Misused != 0 {
		t.Fatalf("Stats %+v; the callers saw %d grants and %d refusals", st, grants.Load(), refused.Load())
	}
	if done.Load() < flips || phase.Load() < 2 {
		t.Fatalf("only %d Reconfigures ran in a minute, %d drained phases", done.Load(), (phase.Load()+1)/2)
	}
	t.Logf("%d grants, %d refusals, %d Reconfigures, %d drained phases, peak %d",
		grants.Load(), refused.Load(), done.Load(), (phase.Load()+1)/2, g.peak.Load())
}
