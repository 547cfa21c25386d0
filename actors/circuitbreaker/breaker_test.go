package circuitbreaker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// Scenarios 6, 7, 9 and 12: counts, re-raised errors, rejection without a call.
func TestExecuteCountsAndRejects(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "api", Config{FailureThreshold: 2, RecoveryTimeout: 30 * time.Second})
	ctx := context.Background()
	if err := b.Execute(ctx, okFn); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if err := b.Execute(ctx, okFn); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	if err := b.Execute(ctx, failFn); !errors.Is(err, errBoom) {
		t.Fatalf("got %v, want boom", err)
	}
	s := stats(t, b)
	if s.Total != 3 || s.Succeeded != 2 || s.Failed != 1 || s.ConsecutiveFailures != 1 || s.FailureRate != 1.0/3 {
		t.Fatalf("got %+v, want total 3, ok 2, failed 1, consecutive 1, rate 1/3", s)
	}
	openIt(t, b, 1)
	called := false
	err := b.Execute(ctx, func(context.Context) error { called = true; return nil })
	var re *messages.RejectedError
	if !errors.As(err, &re) || !errors.Is(err, ErrOpen) || called {
		t.Fatalf("got %v (called %v), want a rejection without a call", err, called)
	}
	if re.Pattern != Kind || re.Name != "api" || re.Reason != ReasonOpen || re.RetryAfter != 30*time.Second {
		t.Fatalf("got %+v, want circuitbreaker/api, open, retry 30s", re)
	}
	v, err := Do(ctx, b, func(context.Context) (int, error) { return 7, nil })
	if !errors.Is(err, ErrOpen) || v != 0 {
		t.Fatalf("Do: got %v %v, want 0 and ErrOpen", v, err)
	}
	if s := stats(t, b); s.Rejected != 2 || s.Total != 6 {
		t.Fatalf("got rejected %d total %d, want 2 and 6", s.Rejected, s.Total)
	}
}

func TestDoReturnsValue(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "do", Config{})
	v, err := Do(context.Background(), b, func(context.Context) (string, error) { return "x", nil })
	if v != "x" || err != nil {
		t.Fatalf("got %q %v, want x nil", v, err)
	}
}

// Scenario 3 and 4 through the actor: the timer moves OPEN to HALF_OPEN.
func TestRecoveryThroughTimer(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "rec", Config{FailureThreshold: 2, RecoveryTimeout: 100 * time.Millisecond})
	openIt(t, b, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fc.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	fc.Advance(99 * time.Millisecond)
	if s := stats(t, b); s.State != Open || s.OpenRemaining != time.Millisecond {
		t.Fatalf("got %v remaining %v, want open with 1ms", s.State, s.OpenRemaining)
	}
	fc.Advance(time.Millisecond)
	if s := stats(t, b); s.State != HalfOpen {
		t.Fatalf("got %v, want half_open", s.State)
	}
	for i := 0; i < 2; i++ {
		if err := b.Execute(ctx, okFn); err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
	}
	if s := stats(t, b); s.State != Closed || s.ConsecutiveSuccesses != 2 {
		t.Fatalf("got %v with %d successes, want closed with 2", s.State, s.ConsecutiveSuccesses)
	}
	if st, _ := b.State(); st != Closed {
		t.Fatalf("snapshot: got %v, want closed", st)
	}
}

// Scenario 8: per-call timeout.
func TestPerCallTimeout(t *testing.T) {
	eng := newEngine(t, nil)
	b := mustNew(t, eng, "slow", Config{Timeout: 20 * time.Millisecond, IsFailure: func(error) bool { return false }})
	err := b.Execute(context.Background(), func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	var te *messages.TimeoutError
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) || te.Limit != 20*time.Millisecond {
		t.Fatalf("got %v, want a TimeoutError of 20ms", err)
	}
	if s := stats(t, b); s.Failed != 1 {
		t.Fatalf("got failed %d, want 1 (a timeout is a failure whatever IsFailure says)", s.Failed)
	}
	// The caller's own cancellation is neutral, not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Execute(ctx, func(ctx context.Context) error { return ctx.Err() }); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestCanceledIsNeutral(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "cancel", Config{FailureThreshold: 1})
	for i := 0; i < 3; i++ {
		_ = b.Execute(context.Background(), func(context.Context) error { return fmt.Errorf("gave up: %w", context.Canceled) })
	}
	if s := stats(t, b); s.State != Closed || s.Ignored != 3 || s.Total != 0 {
		t.Fatalf("got %+v, want closed, 3 ignored, total 0", s)
	}
}

// Scenario 10: Reset closes, zeroes, and always publishes circuit_reset.
func TestReset(t *testing.T) {
	eng, _ := newFake(t)
	sub := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitReset}})
	b := mustNew(t, eng, "reset", Config{FailureThreshold: 1})
	openIt(t, b, 1)
	if err := b.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := stats(t, b); s.State != Closed || s.Total != 0 || s.Failed != 0 || s.ConsecutiveFailures != 0 {
		t.Fatalf("got %+v, want closed and zero", s)
	}
	if err := b.Execute(context.Background(), okFn); err != nil {
		t.Fatalf("after reset: %v", err)
	}
	ev := next(t, sub)
	if ev.Fields.NewState != "closed" || ev.Fields.OldState != "open" || ev.Name != "reset" || ev.Pattern != Kind {
		t.Fatalf("got %v, want circuit_reset open→closed", ev)
	}
	if err := b.Reset(context.Background()); err != nil { // already closed: still published
		t.Fatal(err)
	}
	if ev := next(t, sub); ev.Fields.OldState != "closed" {
		t.Fatalf("got %v, want a second circuit_reset", ev)
	}
}

// Scenario 13 and §14.19: get-or-create, conflicts, all stats.
func TestRegistry(t *testing.T) {
	eng, _ := newFake(t)
	a := mustNew(t, eng, "a", Config{FailureThreshold: 3})
	if again := mustNew(t, eng, "a", Config{FailureThreshold: 3}); again != a {
		t.Fatalf("same name and config: got another breaker")
	}
	_, err := New(eng, "a", Config{FailureThreshold: 4})
	var ce *supervisor.ConflictError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "FailureThreshold") {
		t.Fatalf("got %v, want a ConflictError naming FailureThreshold", err)
	}
	b := mustNew(t, eng, "b", Config{})
	_ = a.Execute(context.Background(), failFn)
	_ = b.Execute(context.Background(), okFn)
	all, err := AllStats(context.Background(), eng)
	if err != nil || len(all) != 2 || all[0].Name != "a" || all[0].Failed != 1 || all[1].Name != "b" || all[1].Succeeded != 1 {
		t.Fatalf("got %+v %v, want a (1 failed) and b (1 ok)", all, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	eng, _ := newFake(t)
	_, err := New(eng, "bad", Config{FailureThreshold: -1})
	var ce *messages.ConfigError
	if !errors.As(err, &ce) || ce.Field != "FailureThreshold" || ce.Value != -1 {
		t.Fatalf("got %v, want a ConfigError naming FailureThreshold -1", err)
	}
	if _, err := New(eng, "", Config{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("empty name: got %v, want ErrInvalidConfig", err)
	}
	if _, err := New(nil, "x", Config{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil engine: got %v, want ErrInvalidConfig", err)
	}
}

// Scenarios 15 and 16: which errors count.
func TestIsFailure(t *testing.T) {
	errValue, errType, errOther := errors.New("value"), errors.New("type"), errors.New("other")
	tests := []struct {
		name      string
		isFailure func(error) bool
		errs      []error
		wantState State
		wantOK    bool // a success still passes afterwards
	}{
		{"listed kinds count", func(err error) bool { return errors.Is(err, errValue) || errors.Is(err, errType) },
			[]error{errValue, fmt.Errorf("wrapped: %w", errType)}, Open, false},
		{"unlisted kinds are neutral", func(err error) bool { return errors.Is(err, errValue) },
			[]error{errOther, errOther, errOther}, Closed, true},
		{"non-fatal messages are neutral", func(err error) bool { return strings.Contains(err.Error(), "fatal") },
			[]error{errors.New("minor"), errors.New("minor"), errors.New("minor")}, Closed, true},
		{"fatal messages count", func(err error) bool { return strings.Contains(err.Error(), "fatal") },
			[]error{errors.New("fatal: a"), errors.New("fatal: b")}, Open, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng, _ := newFake(t)
			b := mustNew(t, eng, fmt.Sprint("p", i), Config{FailureThreshold: 2, IsFailure: tc.isFailure})
			for _, e := range tc.errs {
				e := e
				if err := b.Execute(context.Background(), func(context.Context) error { return e }); err != e {
					t.Fatalf("got %v, want %v", err, e)
				}
			}
			if s := stats(t, b); s.State != tc.wantState {
				t.Fatalf("got %v, want %v", s.State, tc.wantState)
			}
			if err := b.Execute(context.Background(), okFn); (err == nil) != tc.wantOK {
				t.Fatalf("a success afterwards: got %v, want passes=%v", err, tc.wantOK)
			}
		})
	}
}

// Scenario 19: events, counts and order.
func TestEvents(t *testing.T) {
	eng, _ := newFake(t)
	sub := subscribe(t, eng, eventstream.Filter{Names: []string{"ev"}})
	b := mustNew(t, eng, "ev", Config{FailureThreshold: 3})
	for i := 0; i < 3; i++ {
		_ = b.Execute(context.Background(), okFn)
	}
	openIt(t, b, 3)
	for i := 0; i < 3; i++ {
		if err := b.Execute(context.Background(), okFn); !errors.Is(err, ErrOpen) {
			t.Fatalf("got %v, want ErrOpen", err)
		}
	}
	var got []string
	for len(got) < 11 {
		ev := next(t, sub)
		got = append(got, fmt.Sprintf("%s:%d", ev.Type, ev.Fields.Count))
		if ev.Type == eventstream.EventStateChange && (ev.Fields.OldState != "closed" || ev.Fields.NewState != "open" || ev.Fields.Reason != ReasonFailureThreshold) {
			t.Fatalf("got %v, want closed→open by failure_threshold", ev)
		}
		if ev.Type == eventstream.EventCallRejected && ev.Fields.Delay != DefaultRecoveryTimeout {
			t.Fatalf("got %v, want a retry delay of 60s", ev)
		}
	}
	// Exactly one state change, however many rejections follow.
	want := "call_success:1 call_success:2 call_success:3 call_failure:1 call_failure:2 " +
		"state_change:3 circuit_opened:3 call_failure:3 call_rejected:1 call_rejected:2 call_rejected:3"
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("got  %s\nwant %s", g, want)
	}
}

// Scenario 19, second half: a pattern-wide subscriber sees both breakers.
func TestEventsFromTwoBreakers(t *testing.T) {
	eng, _ := newFake(t)
	sub := subscribe(t, eng, eventstream.Filter{Patterns: []string{Kind},
		Types: []eventstream.Type{eventstream.EventCallSuccess, eventstream.EventCallFailure}})
	counts := map[string]int{}
	for _, name := range []string{"one", "two"} {
		b := mustNew(t, eng, name, Config{})
		_ = b.Execute(context.Background(), okFn)
		_ = b.Execute(context.Background(), failFn)
	}
	for i := 0; i < 4; i++ {
		counts[next(t, sub).Name]++
	}
	if counts["one"] != 2 || counts["two"] != 2 {
		t.Fatalf("got %v, want 2 events from each", counts)
	}
}

func TestModes(t *testing.T) {
	eng, fc := newFake(t)
	b := mustNew(t, eng, "modes", Config{FailureThreshold: 1})
	ctx := context.Background()
	if err := b.ForceOpen(ctx); err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Hour)
	var re *messages.RejectedError
	if err := b.Execute(ctx, okFn); !errors.As(err, &re) || re.Reason != ReasonForcedOpen {
		t.Fatalf("forced open: got %v, want forced_open rejection", err)
	}
	if err := b.Disable(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := b.Execute(ctx, failFn); !errors.Is(err, errBoom) {
			t.Fatalf("disabled: got %v, want boom", err)
		}
	}
	if s := stats(t, b); s.State != Closed || s.Mode != Disabled || s.Failed != 5 {
		t.Fatalf("got %+v, want closed, disabled, 5 failed", s)
	}
	if err := b.Normal(ctx); err != nil {
		t.Fatal(err)
	}
	openIt(t, b, 1)
	if err := b.SetMode(ctx, Mode(9)); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
}

// A panic in the user's function reports a failure and goes on.
func TestPanicInFunction(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "panic", Config{FailureThreshold: 1})
	func() {
		defer func() {
			if v := recover(); v != "kaboom" {
				t.Fatalf("recovered %v, want kaboom", v)
			}
		}()
		_ = b.Execute(context.Background(), func(context.Context) error { panic("kaboom") })
		t.Fatalf("Execute returned, want a panic")
	}()
	if s := stats(t, b); s.Failed != 1 || s.State != Open {
		t.Fatalf("got %+v, want 1 failed and open", s)
	}
}

func TestShutdownStops(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "stop", Config{})
	p, err := b.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.Release(p, messages.Success) // dropped, does not block or panic
	ctx := context.Background()
	if err := b.Execute(ctx, okFn); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Execute: got %v, want ErrStopped", err)
	}
	if _, err := b.Stats(ctx); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Stats: got %v, want ErrStopped", err)
	}
	if err := b.Reset(ctx); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Reset: got %v, want ErrStopped", err)
	}
	if err := b.ForceOpen(ctx); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("ForceOpen: got %v, want ErrStopped", err)
	}
}

// §14.14 / scenario 20: a listener added at any time gets the next event
// (the original cached "no listeners" for a second).
func TestLateListenerGetsNextEvent(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "late-listener", Config{})
	for i := 0; i < 3; i++ {
		_ = b.Execute(context.Background(), okFn)
	}
	_ = stats(t, b)
	sub := subscribe(t, eng, eventstream.Filter{Names: []string{"late-listener"}})
	_ = b.Execute(context.Background(), failFn)
	if ev := next(t, sub); ev.Type != eventstream.EventCallFailure || ev.Fields.Count != 1 {
		t.Fatalf("got %v, want call_failure with count 1", ev)
	}
}

// Slow calls through the handle: latency is measured on the engine's clock.
func TestSlowCallsMeasured(t *testing.T) {
	eng, fc := newFake(t)
	sub := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCallSuccess}})
	b := mustNew(t, eng, "slowcalls", Config{OpenAtSlowCallRate: 0.5, SlowCallDuration: time.Second, WindowSize: 2, MinimumCalls: 2})
	for _, d := range []time.Duration{2 * time.Second, 3 * time.Second} {
		p, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		fc.Advance(d)
		b.Release(p, messages.Success)
		if ev := next(t, sub); ev.Fields.Elapsed != d {
			t.Fatalf("got elapsed %v, want %v", ev.Fields.Elapsed, d)
		}
	}
	if s := stats(t, b); s.State != Open || s.Slow != 2 || s.WindowSlowCallRate != 1 || s.OpenRemaining != time.Minute {
		t.Fatalf("got %+v, want open for 60s by 2 slow calls", s)
	}
}

func TestStrings(t *testing.T) {
	for got, want := range map[string]string{
		Closed.String(): "closed", Open.String(): "open", HalfOpen.String(): "half_open", State(9).String(): "state(?)",
		Normal.String(): "normal", ForcedOpen.String(): "forced_open", Disabled.String(): "disabled", Mode(9).String(): "mode(?)",
		CountBased.String(): "count", TimeBased.String(): "time", WindowType(9).String(): "window(?)",
		(&messages.TimeoutError{Pattern: Kind, Name: "x", Limit: time.Second, Reason: messages.ReasonCancelled}).Error(): `circuitbreaker "x": operation exceeded timeout of 1s (cancelled)`,
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
