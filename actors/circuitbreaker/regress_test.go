package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// waitTimer waits until the breaker's timer is armed on fc.
func waitTimer(t *testing.T, fc *engine.FakeClock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fc.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

// Issue 13.2: a success that ends just after a bucket boundary, before the
// actor has handled its boundary tick, belongs to the new bucket and stays
// in the window as long as that bucket does.
func TestSuccessAtBoundaryStaysInItsBucket(t *testing.T) {
	for i := 0; i < 20; i++ {
		eng, fc := newFake(t)
		b := mustNew(t, eng, "edge", Config{OpenAtFailureRate: 0.5, MinimumCalls: 1,
			WindowType: TimeBased, WindowDuration: 2 * time.Second, WindowBuckets: 2})
		stats(t, b) // the first message starts the actor, which arms its timer
		waitTimer(t, fc)
		p, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		fc.Advance(time.Second) // the boundary tick is on its way to the actor
		b.Release(p, messages.Success)
		fc.Advance(1500 * time.Millisecond) // t = 2.5 s: the window is [1 s, 3 s)
		if s := stats(t, b); s.WindowCalls != 1 || s.Succeeded != 1 {
			t.Fatalf("run %d: got %d calls in the window (%d successful), want the success made at 1 s", i, s.WindowCalls, s.Succeeded)
		}
	}
}

// Issue 13.1, one step at a time: failure reports that reach the actor
// after successes released later than them keep their place. Ten
// failures, each released after one success more, are not ten in a row,
// even when the actor learns of all the successes first.
func TestQueuedFailuresKeepTheirPlace(t *testing.T) {
	for _, cfg := range []Config{
		{FailureThreshold: 10},
		{OpenAtFailureRate: 0.6, WindowSize: 10, MinimumCalls: 10},
	} {
		t.Run(fmt.Sprint(cfg.FailureThreshold, cfg.OpenAtFailureRate), func(t *testing.T) {
			eng, _ := newFake(t)
			b := mustNew(t, eng, "queued", cfg)
			ctx := context.Background()
			var queued []request
			for i := 0; i < 10; i++ {
				p, err := b.Acquire(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_, gen, ok := b.cells.free(p.Token) // as Release does before it reports
				if !ok {
					t.Fatal("the permit holds no slot")
				}
				tok := b.tag | uint64(gen)<<ticketBits
				succeed(t, b, 1) // released after the failure below
				queued = append(queued, request{op: opReport, rep: &report{token: tok, outcome: messages.Failure, seq: b.sequence(tok) - 1}})
			}
			for _, r := range queued { // the actor collects all ten successes before the first
				if _, err := b.actor.Ask(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			s := stats(t, b)
			if s.State != Closed || s.ConsecutiveFailures != 0 || s.Failed != 10 || s.Succeeded != 10 {
				t.Fatalf("got %v, %d consecutive failures, %d failed, %d ok; want closed, 0 (a success ended the run), 10, 10",
					s.State, s.ConsecutiveFailures, s.Failed, s.Succeeded)
			}
			if cfg.rates() && (s.WindowCalls != 10 || s.WindowFailureRate != 0.5) {
				t.Fatalf("got window %d calls at a rate of %v, want 10 at 0.5 (they alternate)", s.WindowCalls, s.WindowFailureRate)
			}
			// The same failures with no success between them open it.
			b2 := mustNew(t, eng, "run", cfg)
			fail(t, b2, 10)
			if st, _ := b2.State(); st != Open {
				t.Fatalf("ten failures in a row: got %v, want open", st)
			}
		})
	}
}

// Issue 13.3: every hung trial whose lease ran out is counted once, as a
// failure, however many expired before it reports.
func TestExpiredTrialsCountedOnce(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "hung", Config{FailureThreshold: 1, RecoveryTimeout: time.Second, HalfOpenLease: time.Second})
	ctx := context.Background()
	openIt(t, b, 1)
	const hung = 40
	var held []engine.Permit
	for i := 0; i < hung; i++ {
		fc.Advance(time.Second) // recovery: half-open
		p, err := b.Acquire(ctx)
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		held = append(held, p)
		fc.Advance(time.Second) // its lease runs out: a failure, open again
		if s := stats(t, b); s.State != Open {
			t.Fatalf("trial %d: got %v, want open after the lease ran out", i, s.State)
		}
	}
	for _, p := range held {
		b.Release(p, messages.Success) // at last
	}
	s := stats(t, b)
	if s.Failed != 1+hung || s.Succeeded != 0 || s.Total != 1+hung+s.Rejected || s.Misused != 0 {
		t.Fatalf("got %d failed, %d successful, %d total, %d misused; want %d failed, none successful, none misused",
			s.Failed, s.Succeeded, s.Total, s.Misused, 1+hung)
	}
}

// Issue 13.4: with a slow-call threshold, a slow trial reopens the circuit
// instead of closing it; fast trials close it.
func TestSlowTrialsJudged(t *testing.T) {
	for _, c := range []struct {
		latency time.Duration
		want    State
	}{{2 * time.Second, Open}, {time.Millisecond, Closed}} {
		t.Run(c.latency.String(), func(t *testing.T) {
			eng, fc := newFake(t)
			b := mustNew(t, eng, "slowtrial", Config{FailureThreshold: 1, SuccessThreshold: 1, RecoveryTimeout: time.Second,
				HalfOpenLease: time.Minute, OpenAtSlowCallRate: 0.5, SlowCallDuration: time.Second})
			openIt(t, b, 1)
			fc.Advance(time.Second)
			p, err := b.Acquire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			fc.Advance(c.latency)
			b.Release(p, messages.Success)
			if s := stats(t, b); s.State != c.want {
				t.Fatalf("a trial of %v: got %v, want %v", c.latency, s.State, c.want)
			}
		})
	}
}

// Issue 12.4: a Release that no permit stands behind frees nothing and
// counts nothing but Misused: the zero Permit, another breaker's permit, a
// half-open trial released twice.
func TestMisusedReleaseCountsNothing(t *testing.T) {
	ctx := context.Background()
	t.Run("zero and foreign permits", func(t *testing.T) {
		eng, _ := newFake(t)
		b := mustNew(t, eng, "b", Config{FailureThreshold: 2})
		other := mustNew(t, eng, "other", Config{FailureThreshold: 2})
		foreign, err := other.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.Release(engine.Permit{}, messages.Failure)
		b.Release(engine.Permit{}, messages.Failure)
		b.Release(foreign, messages.Failure)
		s := stats(t, b)
		if s.State != Closed || s.Failed != 0 || s.Total != 0 || s.Misused != 3 {
			t.Fatalf("got %v, %d failed, %d total, %d misused; want closed, 0, 0, 3", s.State, s.Failed, s.Total, s.Misused)
		}
		other.Release(foreign, messages.Success)
		if s := stats(t, other); s.Succeeded != 1 || s.Misused != 0 {
			t.Fatalf("the owner: got %d ok, %d misused; want 1 and 0", s.Succeeded, s.Misused)
		}
	})
	t.Run("trial released twice", func(t *testing.T) {
		eng, fc := newFake(t)
		b := mustNew(t, eng, "trial", Config{FailureThreshold: 1, SuccessThreshold: 2, RecoveryTimeout: time.Second})
		openIt(t, b, 1)
		fc.Advance(time.Second)
		p, err := b.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.Release(p, messages.Success)
		b.Release(p, messages.Success) // would be the second success that closes
		s := stats(t, b)
		if s.State != HalfOpen || s.Succeeded != 1 || s.Misused != 1 || s.HalfOpenInFlight != 0 {
			t.Fatalf("got %v, %d ok, %d misused, %d in flight; want half_open, 1, 1, 0", s.State, s.Succeeded, s.Misused, s.HalfOpenInFlight)
		}
		q, err := b.Acquire(ctx) // the slot is free once, and only once
		if err != nil {
			t.Fatal(err)
		}
		b.Release(p, messages.Failure) // the stale token must not free q's slot
		if err := b.Execute(ctx, okFn); !errors.Is(err, ErrOpen) {
			t.Fatalf("a second trial while q holds the only slot: got %v, want ErrOpen", err)
		}
		b.Release(q, messages.Success)
		if s := stats(t, b); s.State != Closed || s.Misused != 2 || s.Failed != 1 {
			t.Fatalf("got %v, %d misused, %d failed; want closed, 2, 1", s.State, s.Misused, s.Failed)
		}
	})
}

// Issue 12.6: after the engine shuts down, the breaker reports Stopped and
// every call returns ErrStopped.
func TestStateAfterShutdown(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "stopped", Config{})
	if st, _ := b.State(); st != Closed {
		t.Fatalf("got %v, want closed", st)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.State(); st != Stopped || st.String() != "stopped" {
		t.Fatalf("got %v, want stopped", st)
	}
	if err := b.Execute(context.Background(), okFn); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Execute: got %v, want ErrStopped", err)
	}
	if _, err := Do(context.Background(), b, func(context.Context) (int, error) { return 1, nil }); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Do: got %v, want ErrStopped", err)
	}
}

// Issue 14.1: Bulwark's own refusals returned by fn are neutral: three
// bulkhead-full errors do not open a threshold-3 breaker; a user's
// IsFailure still decides when set.
func TestRefusalsAreNeutral(t *testing.T) {
	full := &messages.RejectedError{Err: messages.ErrBulkheadFull, Pattern: "bulkhead", Name: "db"}
	for _, c := range []struct {
		name      string
		isFailure func(error) bool
		want      State
	}{{"default", nil, Closed}, {"IsFailure counts them", func(error) bool { return true }, Open}} {
		t.Run(c.name, func(t *testing.T) {
			eng, _ := newFake(t)
			b := mustNew(t, eng, "outer", Config{FailureThreshold: 3, IsFailure: c.isFailure})
			for _, err := range []error{full, messages.ErrShed, fmt.Errorf("inner: %w", messages.ErrCircuitOpen)} {
				err := err
				if got := b.Execute(context.Background(), func(context.Context) error { return err }); got != err {
					t.Fatalf("got %v, want %v", got, err)
				}
			}
			if s := stats(t, b); s.State != c.want {
				t.Fatalf("got %v (%d failed, %d ignored), want %v", s.State, s.Failed, s.Ignored, c.want)
			}
		})
	}
}

// Issue 14.8: a nil function is an error that unwraps to
// messages.ErrInvalidConfig, not a panic, and admits nothing.
func TestNilFunc(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "nil", Config{})
	if err := b.Execute(context.Background(), nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("Execute(nil): got %v, want ErrInvalidConfig", err)
	}
	var ce *messages.ConfigError
	if _, err := Do[int](context.Background(), b, nil); !errors.As(err, &ce) || ce.Field != "fn" {
		t.Fatalf("Do(nil): got %v, want a ConfigError naming fn", err)
	}
	if s := stats(t, b); s.Total != 0 || s.Ignored != 0 {
		t.Fatalf("got %+v, want nothing counted", s)
	}
}

// A time-based window puts an outcome in the bucket of the time it
// happened, however late it learns of it, and leaves it out once that
// bucket has left the window.
func TestTimeWindowPlacesByTime(t *testing.T) {
	w := newWindow(Config{WindowType: TimeBased, WindowDuration: 4 * time.Second, WindowBuckets: 4}, t0)
	w.advance(at(5 * time.Second))                  // the window is [2 s, 6 s)
	w.place(markFail, 0, at(2500*time.Millisecond)) // bucket 2, still in
	w.place(markFail, 0, at(1500*time.Millisecond)) // bucket 1, gone
	w.recordSuccesses(3, 5)                         // bucket 5, the current one
	if w.calls != 4 || w.fails != 1 {
		t.Fatalf("got %d calls, %d failed; want 4 and 1", w.calls, w.fails)
	}
	w.place(0, 0, at(6500*time.Millisecond)) // a later time moves the window on: [3 s, 7 s)
	if w.calls != 4 || w.fails != 0 || w.last != 6 {
		t.Fatalf("got %d calls, %d failed at epoch %d; want 4, 0 (bucket 2 left), 6", w.calls, w.fails, w.last)
	}
}

// A count-based window places a failure reported late after the successes
// that came before it: inside the window when it is among the last N
// calls, left out (but counted) when more than N came after it.
func TestCountWindowPlacesLateFailures(t *testing.T) {
	m := newTestMachine(t, Config{OpenAtFailureRate: 0.5, WindowSize: 4, MinimumCalls: 4})
	m.succeed(10, 0, t0)
	tok := m.token(0)
	m.release(report{token: tok, outcome: messages.Failure, seq: 2}, t0) // 8 successes after it
	if m.win.fails != 0 || m.failed != 1 || m.state != Closed {
		t.Fatalf("got %d failed in the window, %d counted, %v; want 0, 1, closed", m.win.fails, m.failed, m.state)
	}
	m.release(report{token: tok, outcome: messages.Failure, seq: 9}, t0) // 1 success after it
	if m.win.calls != 4 || m.win.fails != 1 || m.consecFail != 0 {
		t.Fatalf("got %d calls, %d failed, run %d; want 4, 1, 0 (a success came after)", m.win.calls, m.win.fails, m.consecFail)
	}
	m.release(report{token: tok, outcome: messages.Failure, seq: 10}, t0) // the newest: S9 F S10 F
	if m.state != Open || m.failed != 3 {
		t.Fatalf("got %v with %d failed, want open at a rate of 0.5", m.state, m.failed)
	}
}

// Failures with no success between them are a run even when a failure
// from after a later success reaches the machine among them.
func TestLateFailuresJoinTheirRun(t *testing.T) {
	m := newTestMachine(t, Config{FailureThreshold: 3})
	m.succeed(7, 0, t0)
	tok := m.token(0)
	for i, c := range []struct {
		seq  uint64
		want State
		run  int
	}{{5, Closed, 0}, {7, Closed, 1}, {5, Closed, 1}, {5, Open, 1}} {
		m.release(report{token: tok, outcome: messages.Failure, seq: c.seq}, t0)
		if m.state != c.want || (c.want == Closed && m.consecFail != c.run) {
			t.Fatalf("failure %d after %d successes: got %v, run %d; want %v, %d", i, c.seq, m.state, m.consecFail, c.want, c.run)
		}
	}
}

// Issue 12.4: a CLOSED (or Disabled) permit released twice frees nothing
// the second time and counts nothing twice, also after its slot was taken
// again by another permit, and also when so many permits are held at once
// that the actor keeps them.
func TestClosedPermitReleasedTwice(t *testing.T) {
	ctx := context.Background()
	acquire := func(t *testing.T, b *Breaker) engine.Permit {
		t.Helper()
		p, err := b.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, mode := range []Mode{Normal, Disabled} {
		t.Run(mode.String(), func(t *testing.T) {
			eng, _ := newFake(t)
			b := mustNew(t, eng, "twice", Config{FailureThreshold: 2})
			if err := b.SetMode(ctx, mode); err != nil {
				t.Fatal(err)
			}
			p := acquire(t, b)
			b.Release(p, messages.Failure)
			b.Release(p, messages.Failure) // would be the second failure that opens
			s := stats(t, b)
			if s.State != Closed || s.Failed != 1 || s.Misused != 1 || s.ConsecutiveFailures != 1 {
				t.Fatalf("got %v, %d failed, %d misused, run %d; want closed, 1, 1, 1", s.State, s.Failed, s.Misused, s.ConsecutiveFailures)
			}
			q := acquire(t, b)
			b.Release(q, messages.Success)
			b.Release(q, messages.Success)
			r := acquire(t, b)             // may take the slot q had
			b.Release(q, messages.Failure) // stale: must not free r's slot
			b.Release(r, messages.Success)
			s = stats(t, b)
			if s.State != Closed || s.Failed != 1 || s.Succeeded != 2 || s.Misused != 3 || s.Total != 3 {
				t.Fatalf("got %v, %d failed, %d ok, %d misused, %d total; want closed, 1, 2, 3, 3",
					s.State, s.Failed, s.Succeeded, s.Misused, s.Total)
			}
		})
	}
	t.Run("many held", func(t *testing.T) {
		eng, _ := newFake(t)
		b := mustNew(t, eng, "many", Config{FailureThreshold: 1 << 20})
		const n = 5000
		ps := make([]engine.Permit, n)
		for i := range ps {
			ps[i] = acquire(t, b)
		}
		for _, p := range ps {
			b.Release(p, messages.Success)
		}
		for _, p := range ps {
			b.Release(p, messages.Failure)
		}
		s := stats(t, b)
		if s.Succeeded != n || s.Failed != 0 || s.Misused != n || s.ConsecutiveFailures != 0 {
			t.Fatalf("got %d ok, %d failed, %d misused, run %d; want %d, 0, %d, 0", s.Succeeded, s.Failed, s.Misused, s.ConsecutiveFailures, n, n)
		}
	})
}
