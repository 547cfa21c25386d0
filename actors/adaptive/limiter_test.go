package adaptive_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// SPEC §13.79: at the limit Acquire is refused; releases count outcomes.
func TestAtLimit(t *testing.T) {
	l, _, _ := newLimiter(t, adaptive.Config{InitialLimit: 3, MinLimit: 1, MaxLimit: 10})
	ps := acquireN(t, l, 3)
	_, err := l.Acquire(context.Background())
	wantAtLimit(t, err)
	l.Release(ps[0], messages.Success)
	l.Release(ps[1], messages.Failure)
	l.Release(ps[2], messages.Ignored)
	st := stats(t, l)
	want := adaptive.Stats{Name: "test", Limit: 3, MinLimit: 1, MaxLimit: 10, Completed: 3, Succeeded: 1, Failed: 1,
		Rejected: 1, WindowSucceeded: 1, WindowFailed: 1}
	if st != want {
		t.Fatalf("got %+v, want %+v", st, want)
	}
}

// SPEC §13.80 and §13.83 through the actor: a window of successes raises
// the limit by one and publishes limit_changed; the new permit is usable.
func TestIncreaseEvent(t *testing.T) {
	l, _, eng := newLimiter(t, adaptive.Config{Window: 5, InitialLimit: 5, MinLimit: 1})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventLimitChanged}}, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	releaseAll(l, acquireN(t, l, 5), messages.Success)
	if st := stats(t, l); st.Limit != 6 || l.Limit() != 6 {
		t.Fatalf("got limit %d (%d), want 6", st.Limit, l.Limit())
	}
	ev := <-sub.C()
	if ev.Pattern != adaptive.Kind || ev.Name != "test" || ev.Fields.Count != 5 || ev.Fields.Max != 6 || ev.Fields.Reason != adaptive.ReasonSuccessRate {
		t.Fatalf("got %v, want limit_changed 5 -> 6 success_rate", ev)
	}
	ps := acquireN(t, l, 6)
	_, err = l.Acquire(context.Background())
	wantAtLimit(t, err)
	releaseAll(l, ps, messages.Ignored)
}

// A decrease refuses new calls until enough in flight have completed; calls already in
// flight are not interrupted.
func TestDecreaseWithdraws(t *testing.T) {
	l, _, _ := newLimiter(t, adaptive.Config{Window: 10, InitialLimit: 10, MinLimit: 1, DecreaseFactor: 0.5})
	ps := acquireN(t, l, 10)
	releaseAll(l, ps[:2], messages.Failure) // 8/10 at best: decided now
	st := stats(t, l)
	if st.Limit != 5 || st.InFlight != 8 {
		t.Fatalf("got limit %d in-flight %d, want 5 and 8", st.Limit, st.InFlight)
	}
	_, err := l.Acquire(context.Background())
	wantAtLimit(t, err)
	releaseAll(l, ps[2:], messages.Success)
	if st := stats(t, l); st.InFlight != 0 || st.Limit != 5 {
		t.Fatalf("got in-flight %d limit %d, want 0 and 5", st.InFlight, st.Limit)
	}
	releaseAll(l, acquireN(t, l, 5), messages.Ignored)
	_ = stats(t, l)
	ps = acquireN(t, l, 5)
	_, err = l.Acquire(context.Background())
	wantAtLimit(t, err)
	releaseAll(l, ps, messages.Ignored)
}

// The latency limiter lowers its limit when calls slow down on the fake
// clock, with no failure at all.
func TestVegasRisingLatency(t *testing.T) {
	l, clock, eng := newLimiter(t, adaptive.Config{Algorithm: adaptive.Vegas, Window: 20, InitialLimit: 20, MinLimit: 2})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventLimitChanged}}, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// round completes exactly one window of 20 calls that each take d, in
	// chunks of at most the current limit.
	round := func(d time.Duration) adaptive.Stats {
		t.Helper()
		for done := 0; done < 20; {
			k := min(20-done, stats(t, l).Limit)
			ps := acquireN(t, l, k)
			clock.Advance(d)
			releaseAll(l, ps, messages.Success)
			done += k
		}
		return stats(t, l)
	}
	for range 3 {
		round(10 * time.Millisecond)
	}
	steady := stats(t, l).Limit
	if steady <= 20 {
		t.Fatalf("steady latency: got limit %d, want above 20", steady)
	}
	last := steady
	for _, ms := range []int{30, 60, 120} {
		st := round(time.Duration(ms) * time.Millisecond)
		if st.Limit >= last || st.Failed != 0 {
			t.Fatalf("latency %d ms: got limit %d (failures %d), want below %d with no failures", ms, st.Limit, st.Failed, last)
		}
		if st.RecentRTT != time.Duration(ms)*time.Millisecond {
			t.Fatalf("recent RTT: got %v, want %d ms", st.RecentRTT, ms)
		}
		last = st.Limit
	}
	for ev := range sub.C() {
		if ev.Fields.Reason == adaptive.ReasonLatency {
			if ev.Fields.Max >= ev.Fields.Count || ev.Fields.Elapsed == 0 {
				t.Fatalf("got %v, want a decrease carrying the recent RTT", ev)
			}
			break
		}
	}
}

// SPEC §13.82: 100 concurrent acquires at limit 50 admit exactly 50; 50
// concurrent releases leave nothing in flight.
func TestConcurrentExact(t *testing.T) {
	l, _, _ := newLimiter(t, adaptive.Config{InitialLimit: 50, Window: 1000})
	type res struct {
		p   engine.Permit
		err error
	}
	out := make(chan res, 100)
	for range 100 {
		go func() {
			p, err := l.Acquire(context.Background())
			out <- res{p, err}
		}()
	}
	var ps []engine.Permit
	for range 100 {
		if r := <-out; r.err == nil {
			ps = append(ps, r.p)
		}
	}
	if len(ps) != 50 {
		t.Fatalf("got %d admitted, want 50", len(ps))
	}
	done := make(chan struct{})
	for _, p := range ps {
		go func() { l.Release(p, messages.Success); done <- struct{}{} }()
	}
	for range ps {
		<-done
	}
	if st := stats(t, l); st.InFlight != 0 || st.Succeeded != 50 || st.Rejected != 50 {
		t.Fatalf("got %+v, want in-flight 0, 50 successes, 50 rejected", st)
	}
}

func TestExecuteAndDo(t *testing.T) {
	l, _, _ := newLimiter(t, adaptive.Config{InitialLimit: 1, MinLimit: 1})
	boom := errors.New("boom")
	if err := l.Execute(context.Background(), func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Execute: got %v, want boom", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("want the panic to go on")
			}
		}()
		_ = l.Execute(context.Background(), func(context.Context) error { panic("x") })
	}()
	v, err := adaptive.Do(context.Background(), l, func(context.Context) (string, error) {
		_, err := l.Acquire(context.Background())
		wantAtLimit(t, err)
		return "ok", nil
	})
	if v != "ok" || err != nil {
		t.Fatalf("Do: got %q, %v", v, err)
	}
	if st := stats(t, l); st.InFlight != 0 || st.Failed != 2 || st.Succeeded != 1 {
		t.Fatalf("got %+v, want nothing in flight, 2 failures (error, panic), 1 success", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with an ended context: got %v", err)
	}
}

func TestShutdown(t *testing.T) {
	eng, err := engine.New(engine.WithClock(engine.NewFakeClock(epoch)))
	if err != nil {
		t.Fatal(err)
	}
	l, err := adaptive.New(eng, "test", adaptive.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.Release(p, messages.Success) // returns at once
	if _, err := l.Acquire(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Acquire: got %v, want ErrStopped", err)
	}
	if _, err := l.Stats(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Stats: got %v, want ErrStopped", err)
	}
}

func TestConfig(t *testing.T) {
	_, _, eng := newLimiter(t, adaptive.Config{})
	bad := []struct {
		cfg   adaptive.Config
		field string
	}{
		{adaptive.Config{MinLimit: -1}, "MinLimit"},
		{adaptive.Config{MinLimit: 20, MaxLimit: 10}, "MaxLimit"},
		{adaptive.Config{InitialLimit: 5, MinLimit: 10}, "InitialLimit"},
		{adaptive.Config{DecreaseFactor: 1}, "DecreaseFactor"},
		{adaptive.Config{DecreaseFactor: -0.5}, "DecreaseFactor"},
		{adaptive.Config{IncreaseAtSuccessRate: 1.5}, "IncreaseAtSuccessRate"},
		{adaptive.Config{IncreaseAtSuccessRate: 0.5}, "DecreaseAtFailureRate"},
		{adaptive.Config{DecreaseAtFailureRate: 1.5}, "DecreaseAtFailureRate"},
		{adaptive.Config{Algorithm: 7}, "Algorithm"},
		{adaptive.Config{Window: -3}, "Window"},
		{adaptive.Config{MaxLimit: math.MaxInt, Increase: math.MaxInt}, "MaxLimit"},
		{adaptive.Config{MinLimit: 1 << 40}, "MinLimit"},
		{adaptive.Config{InitialLimit: adaptive.LargestMaxLimit + 1}, "InitialLimit"},
		{adaptive.Config{Window: adaptive.LargestWindow + 1}, "Window"},
		{adaptive.Config{BaselineWindows: adaptive.LargestBaselineWindows + 1}, "BaselineWindows"},
	}
	for _, tt := range bad {
		_, err := adaptive.New(eng, "bad", tt.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("New(%+v): got %v, want a *ConfigError naming %s", tt.cfg, err, tt.field)
		}
		if verr := tt.cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Errorf("Validate(%+v): got %v, want %v", tt.cfg, verr, err)
		}
	}
	largest := adaptive.Config{MaxLimit: adaptive.LargestMaxLimit, InitialLimit: adaptive.LargestMaxLimit, Increase: math.MaxInt,
		Window: adaptive.LargestWindow, BaselineWindows: adaptive.LargestBaselineWindows}
	if _, err := adaptive.New(eng, "largest", largest); err != nil || largest.Validate() != nil {
		t.Errorf("New(%+v): got %v, want a limiter", largest, err)
	}
	if _, err := adaptive.New(nil, "x", adaptive.Config{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil engine: got %v", err)
	}
	a, _ := adaptive.New(eng, "same", adaptive.Config{})
	b, err := adaptive.New(eng, "same", adaptive.Config{})
	if err != nil || a != b {
		t.Fatalf("get-or-create: got %p %v, want %p", b, err, a)
	}
	spelt := adaptive.Config{InitialLimit: 100, MinLimit: 10, MaxLimit: 1000, Increase: 1, DecreaseFactor: 0.9, Window: 100,
		IncreaseAtSuccessRate: 0.95, DecreaseAtFailureRate: 0.2, BaselineWindows: 10}
	if c, err := adaptive.New(eng, "same", spelt); err != nil || c != a {
		t.Fatalf("the defaulted config spelt out: got %p %v, want %p", c, err, a)
	}
	var ce *supervisor.ConflictError
	if _, err := adaptive.New(eng, "same", adaptive.Config{Algorithm: adaptive.Vegas}); !errors.As(err, &ce) {
		t.Fatalf("conflict: got %v, want *supervisor.ConflictError", err)
	}
}
