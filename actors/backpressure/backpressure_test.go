package backpressure_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func TestConfig(t *testing.T) {
	m, _, eng := newGate(t, backpressure.Config{})
	st := stats(t, m)
	if st.MaxInFlight != 1000 || st.HighWaterMark != 800 || st.LowWaterMark != 200 {
		t.Fatalf("defaults: got %d %d %d, want 1000 800 200", st.MaxInFlight, st.HighWaterMark, st.LowWaterMark)
	}
	for _, tc := range []struct {
		cfg   backpressure.Config
		field string
	}{
		{backpressure.Config{MaxInFlight: -1}, "MaxInFlight"},
		{backpressure.Config{MaxInFlight: 10, HighWaterMark: 11}, "HighWaterMark"},
		{backpressure.Config{HighWaterMark: -1}, "HighWaterMark"},
		{backpressure.Config{MaxInFlight: 10, HighWaterMark: 5, LowWaterMark: 6}, "LowWaterMark"},
		{backpressure.Config{LowWaterMark: -2}, "LowWaterMark"},
		{backpressure.Config{MaxWait: -2}, "MaxWait"},
		{backpressure.Config{MaxInFlight: backpressure.LargestMaxInFlight + 1}, "MaxInFlight"},
		{backpressure.Config{MaxInFlight: 1 << 40, HighWaterMark: 1 << 39}, "MaxInFlight"},
	} {
		_, err := backpressure.New(eng, "bad", tc.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("New(%+v): got %v, want a ConfigError naming %s", tc.cfg, err, tc.field)
		}
		if verr := tc.cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Errorf("Validate(%+v): got %v, want %v", tc.cfg, verr, err)
		}
	}
	largest := backpressure.Config{MaxInFlight: backpressure.LargestMaxInFlight, HighWaterMark: backpressure.LargestMaxInFlight}
	if _, err := backpressure.New(eng, "largest", largest); err != nil || largest.Validate() != nil {
		t.Errorf("New(%+v): got %v, want a manager", largest, err)
	}
	spelt := backpressure.Config{MaxInFlight: 1000, HighWaterMark: 800, LowWaterMark: 200}
	if same, err := backpressure.New(eng, "test", spelt); err != nil || same != m {
		t.Errorf("the defaulted config spelt out: got %p, %v, want %p", same, err, m)
	}
	small, err := backpressure.New(eng, "small", backpressure.Config{MaxInFlight: 10, LowWaterMark: backpressure.Drained})
	if err != nil {
		t.Fatal(err)
	}
	if st := stats(t, small); st.HighWaterMark != 8 || st.LowWaterMark != 0 {
		t.Fatalf("scaled defaults: got %d %d, want 8 0", st.HighWaterMark, st.LowWaterMark)
	}
	if again, err := backpressure.New(eng, "test", backpressure.Config{}); err != nil || again != m {
		t.Fatalf("same name, same config: got %p %v, want %p", again, err, m)
	}
	var ce *supervisor.ConflictError
	if _, err := backpressure.New(eng, "test", backpressure.Config{MaxInFlight: 5}); !errors.As(err, &ce) {
		t.Fatalf("same name, other config: got %v, want a *supervisor.ConflictError", err)
	}
}

// Scenario 70: under the limit admits; at MaxInFlight rejects; a release
// without a permit held takes nothing away (never below zero) and is
// counted as misuse.
func TestMaxInFlight(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 2, HighWaterMark: 2, LowWaterMark: 1})
	acquireN(t, m, 2)
	_, err := acquireWait(m, context.Background(), time.Hour)
	wantRejected(t, err, backpressure.ReasonOverloaded)
	releaseN(m, 3)
	st := want(t, m, 0, 0, false)
	if st.Rejected != 1 || st.Accepted != 2 || st.Misused != 1 {
		t.Fatalf("rejected, accepted, misused: got %d %d %d, want 1 2 1", st.Rejected, st.Accepted, st.Misused)
	}
}

// Scenarios 71, 74, 77: on at the high mark, off at the low one, one event
// each; utilisation in percent.
func TestHysteresisAndEvents(t *testing.T) {
	m, _, eng := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 100, HighWaterMark: 80, LowWaterMark: 20})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{backpressure.Kind}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	acquireN(t, m, 79)
	want(t, m, 79, 0, false)
	acquireN(t, m, 1)
	if st := want(t, m, 80, 0, true); st.Utilization != 80.0 || st.Overloaded {
		t.Fatalf("utilization, overloaded: got %v %v, want 80 false", st.Utilization, st.Overloaded)
	}
	releaseN(m, 59)
	want(t, m, 21, 0, true)
	releaseN(m, 1)
	want(t, m, 20, 0, false)
	releaseN(m, 1)
	want(t, m, 19, 0, false)
	_, err = acquireWait(m, context.Background(), 0)
	if err != nil {
		t.Fatalf("acquire after off: %v", err)
	}
	for _, w := range []eventstream.Event{
		{Type: eventstream.EventBackpressureOn, Fields: eventstream.Fields{Count: 80, Max: 100, Limit: "high"}},
		{Type: eventstream.EventBackpressureOff, Fields: eventstream.Fields{Count: 20, Max: 100, Limit: "low"}},
	} {
		select {
		case ev := <-sub.C():
			if ev.Type != w.Type || ev.Name != "test" || ev.Fields != w.Fields {
				t.Fatalf("event: got %s %+v, want %s %+v", ev.Type, ev.Fields, w.Type, w.Fields)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", w.Type)
		}
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("extra event %s %+v", ev.Type, ev.Fields)
	default:
	}
}

// Scenarios 72 and 78: while on, AcquireNow rejects at once; a wait rejects
// when it passes (and not a moment before), with its own reason and event.
func TestWaitZeroAndTimeout(t *testing.T) {
	m, clock, eng := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 20, HighWaterMark: 10, LowWaterMark: 5})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventBackpressureRejected}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	acquireN(t, m, 10)
	_, err = m.AcquireNow(context.Background()) // does not wait
	wantRejected(t, err, backpressure.ReasonActive)
	w := acquireAsync(context.Background(), m, 200*time.Millisecond, 0)
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(199 * time.Millisecond)
	pendingResult(t, w)
	clock.Advance(time.Millisecond)
	wantRejected(t, (<-w).err, backpressure.ReasonWaitTimeout)
	st := want(t, m, 10, 0, true)
	if st.Rejected != 2 || st.RejectedBy[backpressure.ReasonActive] != 1 || st.RejectedBy[backpressure.ReasonWaitTimeout] != 1 || st.Accepted != 10 {
		t.Fatalf("counts: got accepted %d rejected %d %v, want 10, 2 (1 active, 1 wait_timeout)", st.Accepted, st.Rejected, st.RejectedBy)
	}
	for _, reason := range []string{backpressure.ReasonActive, backpressure.ReasonWaitTimeout} {
		if ev := <-sub.C(); ev.Fields.Reason != reason || ev.Fields.Count != 10 {
			t.Fatalf("rejected event: got %+v, want reason %s count 10", ev.Fields, reason)
		}
	}
}

// Scenario 73: a blocked acquire is admitted when releases bring pending
// down to the low mark, not before.
func TestAdmittedAtLowWaterMark(t *testing.T) {
	m, clock, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 20, HighWaterMark: 10, LowWaterMark: 5})
	acquireN(t, m, 10)
	w := acquireAsync(context.Background(), m, time.Second, 0)
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	releaseN(m, 4)
	want(t, m, 6, 1, true)
	pendingResult(t, w)
	releaseN(m, 1)
	if r := <-w; r.err != nil {
		t.Fatalf("waiter: got %v, want admitted", r.err)
	}
	want(t, m, 6, 0, false)
}

// ◆ The herd: 8 waiters, high mark 2 → one admitted per drained item, in
// arrival order (the original admitted all 8 at once).
func TestHerdAdmittedOneAtATime(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 10, HighWaterMark: 2, LowWaterMark: 1})
	acquireN(t, m, 2)
	var res []<-chan result
	for i := range 8 {
		res = append(res, acquireAsync(context.Background(), m, untilCanceled, i))
		waitQueued(t, m, i+1)
	}
	for i := range 8 {
		releaseN(m, 1)
		if r := <-res[i]; r.err != nil {
			t.Fatalf("waiter %d: got %v, want admitted", i, r.err)
		}
		want(t, m, 2, 7-i, true)
		for _, later := range res[i+1:] {
			pendingResult(t, later)
		}
	}
	releaseN(m, 2)
	want(t, m, 0, 0, false)
	if st := stats(t, m); st.Accepted != 10 {
		t.Fatalf("accepted: got %d, want 10", st.Accepted)
	}
}

// Scenario 75: Execute and Do pass errors through, reject with the
// sentinel and release on error and panic.
func TestExecute(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxInFlight: 2, HighWaterMark: 1, LowWaterMark: backpressure.Drained})
	boom := errors.New("boom")
	if err := m.Execute(context.Background(), func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Execute: got %v, want boom", err)
	}
	func() {
		defer func() {
			if v := recover(); v != "oops" {
				t.Fatalf("recovered %v, want oops", v)
			}
		}()
		_, _ = backpressure.Do(context.Background(), m, func(context.Context) (int, error) { panic("oops") })
	}()
	err := m.Execute(context.Background(), func(ctx context.Context) error {
		return m.Execute(ctx, func(context.Context) error { return nil })
	})
	wantRejected(t, err, backpressure.ReasonActive)
	if v, err := backpressure.Do(context.Background(), m, func(context.Context) (int, error) { return 7, nil }); v != 7 || err != nil {
		t.Fatalf("Do: got %d %v, want 7 nil", v, err)
	}
	want(t, m, 0, 0, false)
}

// Scenario 76: 60 concurrent callers at max 50 / high 50: exactly 50 in,
// backpressure on.
func TestActivationRace(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxInFlight: 50, HighWaterMark: 50})
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for range 60 {
		wg.Go(func() {
			_, err := acquireWait(m, context.Background(), 0)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	admitted := 0
	for err := range errs {
		if err == nil {
			admitted++
		} else if !errors.Is(err, backpressure.ErrBackpressure) {
			t.Fatalf("got %v, want nil or ErrBackpressure", err)
		}
	}
	if admitted != 50 {
		t.Fatalf("admitted: got %d, want 50", admitted)
	}
	want(t, m, 50, 0, true)
}

// A waiter whose context ends races its admission 1,000 times: it holds an
// item iff Acquire returned nil, and is counted once.
func TestCancelRacesAdmission(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 10, HighWaterMark: 1, LowWaterMark: backpressure.Drained})
	const rounds = 1000
	acquireN(t, m, 1)
	var cancelled uint64
	for i := range rounds {
		ctx, cancel := context.WithCancel(context.Background())
		w := acquireAsync(ctx, m, untilCanceled, i)
		waitQueued(t, m, 1)
		go cancel()
		releaseN(m, 1)
		r := <-w
		switch {
		case r.err == nil:
			want(t, m, 1, 0, true)
		case errors.Is(r.err, context.Canceled):
			cancelled++
			want(t, m, 0, 0, false)
			acquireN(t, m, 1)
		default:
			t.Fatalf("round %d: got %v", i, r.err)
		}
		cancel()
	}
	releaseN(m, 1)
	st := want(t, m, 0, 0, false)
	// Each round one item is accepted: the waiter's, or ours after it left.
	if st.Accepted != rounds+1 || st.Cancelled != cancelled || st.Rejected != 0 {
		t.Fatalf("accepted, cancelled, rejected: got %d %d %d, want %d %d 0", st.Accepted, st.Cancelled, st.Rejected, rounds+1, cancelled)
	}
	t.Logf("cancelled %d of %d", cancelled, rounds)
}

// Shutdown gives ErrStopped to queued callers and to every later call.
func TestShutdown(t *testing.T) {
	eng, err := engine.New(engine.WithClock(engine.NewFakeClock(epoch)))
	if err != nil {
		t.Fatal(err)
	}
	m, err := backpressure.New(eng, "test", backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 10, HighWaterMark: 1})
	if err != nil {
		t.Fatal(err)
	}
	acquireN(t, m, 1)
	var res []<-chan result
	for i := range 3 {
		res = append(res, acquireAsync(context.Background(), m, untilCanceled, i))
	}
	waitQueued(t, m, 3)
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, ch := range res {
		if r := <-ch; !errors.Is(r.err, messages.ErrStopped) {
			t.Fatalf("waiter %d: got %v, want ErrStopped", r.i, r.err)
		}
	}
	releaseN(m, 1)
	if _, err := m.Acquire(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Acquire after shutdown: got %v, want ErrStopped", err)
	}
}

// A call whose context has already ended is refused with ctx.Err(), takes
// no item and is counted once, as cancelled, so Accepted + Rejected +
// Cancelled stays the number of calls that returned.
func TestEndedContextCountedOnce(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxInFlight: 20, HighWaterMark: 10, LowWaterMark: 5})
	acquireN(t, m, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with an ended context: got %v, want context.Canceled", err)
	}
	st := want(t, m, 1, 0, false)
	if st.Accepted != 1 || st.Rejected != 0 || st.Cancelled != 1 {
		t.Fatalf("accepted, rejected, cancelled: got %d, %d, %d, want 1, 0, 1", st.Accepted, st.Rejected, st.Cancelled)
	}
	releaseN(m, 1)
}
