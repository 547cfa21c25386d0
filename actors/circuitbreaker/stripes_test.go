package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// counted returns how many successes b's striped counters have taken in
// the current generation (the fast path), whether collected yet or not.
func counted(b *Breaker) uint64 {
	var n uint64
	cells := b.cells.Cells()
	for i := range cells {
		n += uint64(uint32(cells[i].v.Load()))
	}
	return b.snap.Load().before + n
}

// succeed runs n successful calls through Execute.
func succeed(t *testing.T, b *Breaker, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := b.Execute(context.Background(), okFn); err != nil {
			t.Fatalf("success %d: got %v", i, err)
		}
	}
}

// fail runs n failing calls through Execute.
func fail(t *testing.T, b *Breaker, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := b.Execute(context.Background(), failFn); !errors.Is(err, errBoom) {
			t.Fatalf("failure %d: got %v, want boom", i, err)
		}
	}
}

func TestStripesAddCollectRetag(t *testing.T) {
	s := newStripes()
	if s.Cells() != nil {
		t.Fatal("cells allocated before the first call")
	}
	s.ensure()
	if n := len(s.Cells()); n < 8 || n > tally.MaxCells || n&(n-1) != 0 {
		t.Fatalf("got %d cells, want a power of two in [8, %d]", n, tally.MaxCells)
	}
	if size := unsafe.Sizeof(cell{}); size != tally.CellSize {
		t.Fatalf("a cell is %d bytes, want %d", size, tally.CellSize)
	}
	p := s.phase
	for i := 0; i < 100; i++ {
		if ok, _ := s.add(p); !ok {
			t.Fatalf("add %d of the cells' own phase refused", i)
		}
	}
	if ok, _ := s.add(p - 1); ok {
		t.Fatal("add of an older phase accepted")
	}
	if got, ok := s.sum(p); got != 100 || !ok {
		t.Fatalf("sum: got %d, %v; want 100, true", got, ok)
	}
	if got, _ := s.collect(); got != 100 {
		t.Fatalf("collect: got %d, want 100", got)
	}
	if got, _ := s.collect(); got != 0 {
		t.Fatalf("second collect: got %d, want 0", got)
	}
	_, _ = s.add(p)
	if got := s.retag(); got != 1 || s.phase != p+1 {
		t.Fatalf("retag: got %d at phase %d, want the 1 success since the last collect at phase %d", got, s.phase, p+1)
	}
	if ok, _ := s.add(p); ok {
		t.Fatal("add of the old phase accepted after the retag")
	}
	if _, ok := s.sum(p); ok {
		t.Fatal("sum of the old phase accepted after the retag")
	}
	if ok, _ := s.add(p + 1); !ok {
		t.Fatal("add of the new phase refused")
	}
	if got, _ := s.sum(p + 1); got != 1 {
		t.Fatalf("sum after retag: got %d, want 1 (counts restart at zero)", got)
	}
	if got, _ := s.collect(); got != 1 {
		t.Fatalf("collect after retag: got %d, want 1", got)
	}
}

// A large count asks for a new phase: the add that reaches a multiple of
// flushEvery asks the actor, and a collect that sees rephaseAt says so.
func TestStripesFlushAndRephase(t *testing.T) {
	s := newStripes()
	s.ensure()
	for i := range s.Cells() {
		s.Cells()[i].v.Store(tagOf(s.phase) | (rephaseAt - 1))
		s.seen[i] = rephaseAt - 1
	}
	flushes := 0
	for i := 0; i < 4*len(s.Cells()); i++ {
		ok, flush := s.add(s.phase)
		if !ok {
			t.Fatalf("add %d refused", i)
		}
		if flush {
			flushes++
		}
	}
	got, large := s.collect()
	if got != uint64(4*len(s.Cells())) || !large {
		t.Fatalf("collect: got %d, large %v; want %d, true", got, large, 4*len(s.Cells()))
	}
	if flushes == 0 {
		t.Fatal("no add asked for a collection at a multiple of flushEvery")
	}
}

// A success, counted on the striped counters, then a failure: the success
// resets the run of consecutive failures before the failure is applied.
func TestSuccessThenFailureResetsConsecutive(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "seq", Config{FailureThreshold: 3})
	fail(t, b, 2)
	succeed(t, b, 1)
	if counted(b) != 1 {
		t.Fatalf("the success took the slow path: %d on the counters", counted(b))
	}
	fail(t, b, 2)
	if st, _ := b.State(); st != Closed {
		t.Fatalf("got %v after fail, fail, ok, fail, fail; want closed (threshold 3)", st)
	}
	if s := stats(t, b); s.ConsecutiveFailures != 2 || s.Succeeded != 1 || s.Failed != 4 || s.Total != 5 {
		t.Fatalf("got %+v, want 2 consecutive failures, 1 ok, 4 failed", s)
	}
	fail(t, b, 1)
	if st, _ := b.State(); st != Open {
		t.Fatalf("got %v after the third consecutive failure, want open", st)
	}
}

// A success of a permit granted in an older CLOSED generation is counted,
// but not in the new generation's run or window.
func TestOldGenerationSuccessIsLate(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "old", Config{OpenAtFailureRate: 0.5, MinimumCalls: 1, WindowSize: 10,
		SuccessThreshold: 1, RecoveryTimeout: time.Second})
	early, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fail(t, b, 1) // 100% of 1 call: open
	fc.Advance(time.Second)
	succeed(t, b, 1) // the trial closes the circuit: a new CLOSED generation
	before := stats(t, b)
	if before.State != Closed || before.WindowCalls != 0 {
		t.Fatalf("got %+v, want closed with an empty window", before)
	}
	b.Release(early, messages.Success)
	s := stats(t, b)
	if s.Succeeded != before.Succeeded+1 || s.Total != before.Total+1 {
		t.Fatalf("the late success was not counted: got %+v, before %+v", s, before)
	}
	if s.WindowCalls != 0 || s.ConsecutiveSuccesses != before.ConsecutiveSuccesses {
		t.Fatalf("the late success moved the new generation: window %d, run %d (before %d)",
			s.WindowCalls, s.ConsecutiveSuccesses, before.ConsecutiveSuccesses)
	}
}

// Stats after the calls have returned sees every success they counted on
// the striped counters, in the totals, the run and the window.
func TestStatsSeesReturnedSuccesses(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "seen", Config{OpenAtFailureRate: 0.5, WindowSize: 1000})
	const workers, per = 50, 20
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if err := b.Execute(context.Background(), okFn); err != nil {
					t.Errorf("got %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if counted(b) != workers*per {
		t.Fatalf("%d of %d successes took the fast path", counted(b), workers*per)
	}
	s := stats(t, b)
	if s.Succeeded != workers*per || s.Total != workers*per || s.ConsecutiveSuccesses != workers*per || s.WindowCalls != workers*per {
		t.Fatalf("got %+v, want %d successes everywhere", s, workers*per)
	}
}

// A count-based window sees the successes that came before a failure: three
// successes then a failure is 25%, under the 50% threshold; the third
// failure brings it to 50% and opens the circuit.
func TestCountWindowSeesSuccessesBeforeFailure(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "win", Config{OpenAtFailureRate: 0.5, MinimumCalls: 1, WindowSize: 10})
	succeed(t, b, 3)
	for i, want := range []State{Closed, Closed, Open} {
		fail(t, b, 1)
		if st, _ := b.State(); st != want {
			t.Fatalf("after failure %d: got %v, want %v", i+1, st, want)
		}
	}
	if s := stats(t, b); s.WindowCalls != 6 || s.WindowFailureRate != 0.5 {
		t.Fatalf("got window %d calls at a rate of %v, want 6 at 0.5", s.WindowCalls, s.WindowFailureRate)
	}
}

// A success that brings the window to MinimumCalls can open the circuit,
// as it did when each success was a message; but the window judges every
// success collected with it: one more success brings the rate under the
// threshold.
func TestCollectedSuccessesTripAtMinimumCalls(t *testing.T) {
	for _, c := range []struct {
		ok     int
		want   State
		window int
	}{{5, Open, 10}, {6, Closed, 11}} {
		eng, _ := newFake(t)
		b := mustNew(t, eng, fmt.Sprint("min-", c.ok), Config{OpenAtFailureRate: 0.5, MinimumCalls: 10, WindowSize: 100})
		fail(t, b, 5)
		succeed(t, b, c.ok)
		s := stats(t, b)
		if s.State != c.want || s.Succeeded != uint64(c.ok) || s.Failed != 5 || s.WindowCalls != c.window {
			t.Fatalf("5 failures then %d successes: got %+v, want %v with %d in the window", c.ok, s, c.want, c.window)
		}
	}
}

// In a time-based window, successes collected at a bucket boundary fall in
// the bucket they happened in, and leave the window with it.
func TestTimeWindowBucketsCollectedSuccesses(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "timed", Config{OpenAtFailureRate: 0.5, MinimumCalls: 1,
		WindowType: TimeBased, WindowDuration: 10 * time.Second, WindowBuckets: 10})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The first message starts the actor, which arms its timer.
	stats(t, b)
	if err := fc.WaitForTimers(ctx, 1); err != nil { // the boundary timer
		t.Fatal(err)
	}
	succeed(t, b, 3)        // in bucket 0
	fc.Advance(time.Second) // the boundary: collected into bucket 0
	fc.Advance(time.Second) // a boundary with nothing to collect
	fail(t, b, 1)           // bucket 2: 1 of 4
	if s := stats(t, b); s.State != Closed || s.WindowCalls != 4 || s.WindowFailureRate != 0.25 {
		t.Fatalf("got %v with %d calls at a rate of %v, want closed with 4 at 0.25", s.State, s.WindowCalls, s.WindowFailureRate)
	}
	fc.Advance(8 * time.Second) // bucket 0 leaves the window, bucket 2 stays
	if s := stats(t, b); s.WindowCalls != 1 || s.WindowFailureRate != 1 {
		t.Fatalf("got %d calls at a rate of %v, want the failure alone", s.WindowCalls, s.WindowFailureRate)
	}
	fail(t, b, 1)
	if st, _ := b.State(); st != Open {
		t.Fatalf("got %v, want open at a rate of 1", st)
	}
}

// 10,000 concurrent mixed calls while the circuit goes round and its mode
// flips: every call is counted exactly once, and Total = Succeeded +
// Failed + Rejected; most successes took the striped counters.
func TestExactCountsWithStripesUnderConcurrency(t *testing.T) {
	for _, cfg := range []Config{
		{FailureThreshold: 3},
		{OpenAtFailureRate: 0.3, MinimumCalls: 5, WindowSize: 20},
		{OpenAtFailureRate: 0.3, MinimumCalls: 5, WindowType: TimeBased, WindowDuration: time.Millisecond, WindowBuckets: 4},
	} {
		t.Run(fmt.Sprintf("threshold %d rate %v window %v", cfg.FailureThreshold, cfg.OpenAtFailureRate, cfg.WindowType), func(t *testing.T) {
			cfg.RecoveryTimeout, cfg.HalfOpenMaxCalls, cfg.HalfOpenLease = time.Millisecond, 4, time.Minute
			eng := newEngine(t, nil)
			b := mustNew(t, eng, "mixed", cfg)
			const callers = 10000
			var c seen
			var wg, flipper sync.WaitGroup
			stop := make(chan struct{})
			flipper.Add(1)
			go func() { // modes and Stats race the calls
				defer flipper.Done()
				ctx := context.Background()
				for i := 0; ; i++ {
					select {
					case <-stop:
						_ = b.Normal(ctx)
						return
					default:
					}
					switch i % 3 {
					case 0:
						_ = b.Disable(ctx)
					case 1:
						_ = b.Normal(ctx)
					default:
						_, _ = b.Stats(ctx)
					}
				}
			}()
			for w := 0; w < callers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					c.call(t, b, mixed(w, 8))
				}(w)
			}
			wg.Wait()
			close(stop)
			flipper.Wait()
			s := stats(t, b)
			c.check(t, s, callers)
			t.Logf("ok %d failed %d ignored %d rejected %d, %d generations",
				s.Succeeded, s.Failed, s.Ignored, s.Rejected, s.Generation)
		})
	}
}

// After a restart of the actor (a fresh machine at a new generation), the
// successes the old life had not collected are counted as late, and the
// counters take only permits of the new generation.
func TestRestartRetagsCounters(t *testing.T) {
	cfg := Config{}.withDefaults()
	eng := newEngine(t, nil)
	b := &Breaker{eng: eng, clock: engine.NewFakeClock(t0), tag: testTag}
	b.cells.init()
	b.setConfig(cfg)
	b.cells.ensure()
	b.snap.Publish(b.firstSnapshot())
	first := b.newOwner().(*owner)
	first.init(b.snap.Load().gen) // as its first message does
	p := b.snap.Load().phase
	for i := 0; i < 5; i++ {
		if ok, _ := b.cells.add(p); !ok {
			t.Fatalf("add %d refused", i)
		}
	}
	first.collect(t0)
	if first.m.succeeded != 5 || first.m.consecSucc != 5 {
		t.Fatalf("first life: got %d ok, run %d; want 5 and 5", first.m.succeeded, first.m.consecSucc)
	}
	_, _ = b.cells.add(p) // not collected before the restart
	_, _ = b.cells.add(p)
	second := b.newOwner().(*owner)
	if g := b.snap.Load().gen; g != 2 || second.m.gen != 2 {
		t.Fatalf("got generation %d (machine %d), want 2", g, second.m.gen)
	}
	if second.m.succeeded != 2 || second.m.total != 2 || second.m.consecSucc != 0 {
		t.Fatalf("second life: got %d ok, %d total, run %d; want the 2 uncollected as late", second.m.succeeded, second.m.total, second.m.consecSucc)
	}
	if ok, _ := b.cells.add(p); ok {
		t.Fatal("a permit of the old life was counted on the new counters")
	}
	if ok, _ := b.cells.add(b.snap.Load().phase); !ok {
		t.Fatal("a permit of the new life was refused")
	}
}

// Successes take the striped counters whoever subscribes (the trip decision
// does not depend on subscribers); one that wants call_success events gets
// one per success, with the run as it stood at that success.
func TestSuccessEventsChooseThePath(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "ev", Config{})
	opened := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitOpened}})
	other := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallSuccess}, Names: []string{"other"}})
	succeed(t, b, 3)
	if counted(b) != 3 {
		t.Fatalf("%d of 3 successes on the counters with no call_success wanted", counted(b))
	}
	calls := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallSuccess}, Names: []string{"ev"}})
	succeed(t, b, 4)
	if counted(b) != 7 {
		t.Fatalf("%d successes on the counters, want 7", counted(b))
	}
	for i := 0; i < 4; i++ {
		if ev := next(t, calls); ev.Type != eventstream.EventCallSuccess || ev.Fields.Count != int64(4+i) {
			t.Fatalf("event %d: got %s count %d, want call_success count %d", i, ev.Type, ev.Fields.Count, 4+i)
		}
	}
	if s := stats(t, b); s.Succeeded != 7 || s.ConsecutiveSuccesses != 7 {
		t.Fatalf("got %+v, want 7 successes", s)
	}
	if len(opened.C())+len(other.C()) != 0 {
		t.Fatalf("the other subscribers got %d events", len(opened.C())+len(other.C()))
	}
}

// The timer collects at bucket boundaries, but not more often than every
// collectEvery when the buckets are narrower.
func TestCollectTimerAtBoundaries(t *testing.T) {
	for _, c := range []struct {
		span    time.Duration
		buckets int
		want    time.Duration
	}{
		{10 * time.Second, 10, time.Second},
		{40 * time.Microsecond, 4, time.Millisecond},
		{3 * time.Millisecond, 4, 1500 * time.Microsecond}, // 750µs buckets: every second boundary
	} {
		cfg := Config{OpenAtFailureRate: 0.5, WindowType: TimeBased, WindowDuration: c.span, WindowBuckets: c.buckets}.withDefaults()
		m := newMachine(cfg, t0, 1, testTag)
		if got := m.nextDeadline(); !got.Equal(at(c.want)) {
			t.Errorf("%v in %d buckets: next collection at %v, want %v", c.span, c.buckets, got.Sub(t0), c.want)
		}
		m.advance(at(c.want))
		if got := m.nextDeadline(); !got.Equal(at(2 * c.want)) {
			t.Errorf("%v in %d buckets: then at %v, want %v", c.span, c.buckets, got.Sub(t0), 2*c.want)
		}
	}
	if d := newMachine(Config{OpenAtFailureRate: 0.5}.withDefaults(), t0, 1, testTag).nextDeadline(); !d.IsZero() {
		t.Errorf("a count-based window arms the timer for %v", d)
	}
}
