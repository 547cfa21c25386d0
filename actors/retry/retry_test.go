package retry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestSuccessFirstTry(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{})
	calls := 0
	var err error
	delays := h.run(t, func() { err = r.Execute(context.Background(), failing(&calls)) })
	if err != nil || calls != 1 || len(delays) != 0 {
		t.Fatalf("got err %v, %d calls, delays %v; want nil, 1, none", err, calls, delays)
	}
}

func TestFailTwiceThenSucceed(t *testing.T) {
	h := newHarness(t)
	var retries, after, exhausted int
	r := h.retry(t, retry.Config{
		Backoff:             retry.Backoff{InitialDelay: ms(100)},
		OnRetry:             func(retry.Attempt) { retries++ },
		OnSuccessAfterRetry: func(a retry.Attempt) { after++ },
		OnExhausted:         func(retry.Attempt) { exhausted++ },
	})
	calls := 0
	var err error
	h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, errA, errA)) })
	if err != nil || calls != 3 {
		t.Fatalf("got err %v after %d calls, want nil after 3", err, calls)
	}
	if retries != 2 || after != 1 || exhausted != 0 {
		t.Fatalf("got callbacks retry %d, after %d, exhausted %d; want 2, 1, 0", retries, after, exhausted)
	}
}

func TestAlwaysFailingIsExhausted(t *testing.T) {
	h := newHarness(t)
	var exhausted []retry.Attempt
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{InitialDelay: ms(100)},
		OnExhausted: func(a retry.Attempt) { exhausted = append(exhausted, a) }})
	calls := 0
	var err error
	h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, errA, errA, errA, errA)) })
	if calls != 3 {
		t.Fatalf("got %d calls, want 3", calls)
	}
	if !errors.Is(err, errA) || !errors.Is(err, messages.ErrRetriesExhausted) {
		t.Fatalf("got %v, want it to wrap errA and ErrRetriesExhausted", err)
	}
	var ee *retry.ExhaustedError
	if !errors.As(err, &ee) || ee.Attempts != 3 || ee.Reason != "attempts" || ee.Err != errA {
		t.Fatalf("got %#v, want 3 attempts, reason attempts, Err errA", ee)
	}
	if len(exhausted) != 1 || exhausted[0].Attempt != 3 {
		t.Fatalf("got OnExhausted %v, want once at attempt 3", exhausted)
	}
}

// SPEC §13 items 24 and 25, on a fake clock.
func TestDelays(t *testing.T) {
	tests := []struct {
		name string
		b    retry.Backoff
		want []time.Duration
	}{
		{"exponential 0.1 x2", retry.Backoff{MaxAttempts: 4, InitialDelay: ms(100), Multiplier: 2}, []time.Duration{ms(100), ms(200), ms(400)}},
		{"linear 0.1 step 0.1", retry.Backoff{MaxAttempts: 4, InitialDelay: ms(100), Step: ms(100), Strategy: retry.Linear}, []time.Duration{ms(100), ms(200), ms(300)}},
		{"constant 0.1", retry.Backoff{MaxAttempts: 3, InitialDelay: ms(100), Strategy: retry.Constant}, []time.Duration{ms(100), ms(100)}},
		{"cap 1 x10 max 2", retry.Backoff{MaxAttempts: 4, InitialDelay: time.Second, Multiplier: 10, MaxDelay: 2 * time.Second}, []time.Duration{time.Second, 2 * time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.retry(t, noJitter(tt.b))
			calls := 0
			var stamps []time.Time
			fn := func(ctx context.Context) error {
				stamps = append(stamps, h.clock.Now())
				calls++
				return errA
			}
			delays := h.run(t, func() { _ = r.Execute(context.Background(), fn) })
			if !equalDurations(delays, tt.want) {
				t.Fatalf("got delays %v, want %v", delays, tt.want)
			}
			for i := 1; i < len(stamps); i++ {
				if got := stamps[i].Sub(stamps[i-1]); got != tt.want[i-1] {
					t.Fatalf("attempt %d started %v after the previous one, want %v", i+1, got, tt.want[i-1])
				}
			}
		})
	}
}

func TestResultRetries(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, noJitter(retry.Backoff{InitialDelay: ms(10)}))
	p := retry.For[*string](r).RetryIfResult(func(s *string) bool { return s == nil })
	ok := "success"
	results := []*string{nil, nil, &ok}
	calls := 0
	var got *string
	var err error
	h.run(t, func() {
		got, err = p.Do(context.Background(), func(context.Context) (*string, error) { calls++; return results[calls-1], nil })
	})
	if err != nil || got != &ok || calls != 3 {
		t.Fatalf("got %v, %v after %d calls; want success after 3", got, err, calls)
	}
}

func TestResultExhaustionIsAnError(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, noJitter(retry.Backoff{InitialDelay: ms(10)}))
	p := retry.For[int](r).RetryIfResult(func(v int) bool { return v < 0 })
	calls := 0
	var err error
	h.run(t, func() {
		_, err = p.Do(context.Background(), func(context.Context) (int, error) { calls++; return -calls, nil })
	})
	var ee *retry.ExhaustedError
	if !errors.As(err, &ee) || !errors.Is(err, messages.ErrRetriesExhausted) {
		t.Fatalf("got %v, want an *ExhaustedError", err)
	}
	if ee.Result != -3 || ee.Err != nil || calls != 3 {
		t.Fatalf("got result %v, err %v, %d calls; want -3, nil, 3", ee.Result, ee.Err, calls)
	}
}

func TestNonRetryable(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{RetryOn: func(err error) bool { return errors.Is(err, errA) }})
	calls := 0
	var err error
	h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, errB)) })
	if err != errB || calls != 1 {
		t.Fatalf("got %v after %d calls, want errB unchanged after 1", err, calls)
	}
}

func TestDefaultRetryOn(t *testing.T) {
	rejected := func(e error) error { return &messages.RejectedError{Err: e, Pattern: "x"} }
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errA, true},
		{fmt.Errorf("wrapped: %w", errA), true},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{rejected(messages.ErrCircuitOpen), false},
		{rejected(messages.ErrBulkheadFull), false},
		{rejected(messages.ErrShed), false},
		{rejected(messages.ErrBackpressure), false},
		{rejected(messages.ErrLimitExceeded), false},
		{rejected(messages.ErrRateLimited), false},
		{messages.ErrStopped, false},
		{errors.Join(messages.ErrTimeout, context.DeadlineExceeded), true},
	}
	for _, tt := range tests {
		if got := retry.DefaultRetryOn(tt.err); got != tt.want {
			t.Errorf("DefaultRetryOn(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestAbortOn(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{AbortOn: func(err error) bool { return err == errB }})
	calls := 0
	var err error
	h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, errB)) })
	if err != errB || calls != 1 {
		t.Fatalf("got %v after %d calls, want errB after 1", err, calls)
	}
}

// SPEC §13 item 32, with the per-strategy counters fixed.
func TestPerErrorStrategies(t *testing.T) {
	isA := func(err error) bool { return errors.Is(err, errA) }
	isB := func(err error) bool { return errors.Is(err, errB) }
	cfg := noJitter(retry.Backoff{InitialDelay: ms(10)})
	cfg.PerError = []retry.ErrorStrategy{
		{Match: isA, Backoff: retry.Backoff{MaxAttempts: 5, InitialDelay: ms(1), Strategy: retry.Constant}},
		{Match: isB, Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: ms(2), Strategy: retry.Constant}},
	}
	tests := []struct {
		name      string
		errs      []error
		wantCalls int
		wantLast  error
		wantDelay []time.Duration
	}{
		{"A gets 5", []error{errA, errA, errA, errA, errA, errA}, 5, errA, []time.Duration{ms(1), ms(1), ms(1), ms(1)}},
		{"B gets 2", []error{errB, errB, errB}, 2, errB, []time.Duration{ms(2)}},
		// Own counters: A, B, A, A, A → the second B would exhaust B, but
		// A's failures do not count against B.
		{"mixed", []error{errA, errB, errA, errA, errA, errB}, 6, errB, []time.Duration{ms(1), ms(2), ms(1), ms(1), ms(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.retry(t, cfg)
			calls := 0
			var err error
			delays := h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, tt.errs...)) })
			if calls != tt.wantCalls || !errors.Is(err, tt.wantLast) || !equalDurations(delays, tt.wantDelay) {
				t.Fatalf("got %d calls, err %v, delays %v; want %d, %v, %v", calls, err, delays, tt.wantCalls, tt.wantLast, tt.wantDelay)
			}
		})
	}
	if cfg.PerError[0].Backoff.MaxDelay != 0 {
		t.Fatal("New modified the caller's PerError slice")
	}
}

func TestPresets(t *testing.T) {
	tests := []struct {
		name     string
		cfg      retry.Config
		attempts int
		initial  time.Duration
		strategy retry.Strategy
	}{
		{"default", retry.DefaultConfig(), 3, time.Second, retry.Exponential},
		{"aggressive", retry.AggressiveConfig(), 5, ms(100), retry.Exponential},
		{"conservative", retry.ConservativeConfig(), 3, 2 * time.Second, retry.Linear},
		{"network", retry.NetworkConfig(), 4, ms(500), retry.Exponential},
	}
	for _, tt := range tests {
		r, err := retry.New(nil, tt.name, tt.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		c := r.Config()
		if c.MaxAttempts != tt.attempts || c.InitialDelay != tt.initial || c.Strategy != tt.strategy {
			t.Errorf("%s: got %d/%v/%v, want %d/%v/%v", tt.name, c.MaxAttempts, c.InitialDelay, c.Strategy, tt.attempts, tt.initial, tt.strategy)
		}
	}
	n := retry.NetworkConfig()
	if n.Multiplier != 2.5 || n.MaxDelay != 15*time.Second {
		t.Errorf("network: got ×%v max %v, want ×2.5 max 15s", n.Multiplier, n.MaxDelay)
	}
	for _, err := range []error{&netErr{}, fmt.Errorf("dial: %w", &netErr{}), messages.ErrTimeout} {
		if !retry.IsNetworkError(err) {
			t.Errorf("IsNetworkError(%v) = false, want true", err)
		}
	}
	for _, err := range []error{errA, context.Canceled, context.DeadlineExceeded} {
		if retry.IsNetworkError(err) {
			t.Errorf("IsNetworkError(%v) = true, want false", err)
		}
	}
}

type netErr struct{}

func (*netErr) Error() string   { return "connection refused" }
func (*netErr) Timeout() bool   { return false }
func (*netErr) Temporary() bool { return false }

func TestValidation(t *testing.T) {
	tests := []struct {
		field string
		cfg   retry.Config
	}{
		{"MaxAttempts", retry.Config{Backoff: retry.Backoff{MaxAttempts: -1}}},
		{"InitialDelay", retry.Config{Backoff: retry.Backoff{InitialDelay: -1}}},
		{"MaxDelay", retry.Config{Backoff: retry.Backoff{InitialDelay: 2 * time.Second, MaxDelay: time.Second}}},
		{"Multiplier", retry.Config{Backoff: retry.Backoff{Multiplier: 0.5}}},
		{"Strategy", retry.Config{Backoff: retry.Backoff{Strategy: 9}}},
		{"Jitter", retry.Config{Jitter: 1.5}},
		{"Jitter", retry.Config{Jitter: -0.1}},
		{"JitterKind", retry.Config{JitterKind: 99}},
		{"MaxDuration", retry.Config{MaxDuration: -1}},
		{"PerError.Match", retry.Config{PerError: []retry.ErrorStrategy{{}}}},
		{"PerError.Backoff.MaxAttempts", retry.Config{PerError: []retry.ErrorStrategy{{Match: func(error) bool { return true }, Backoff: retry.Backoff{MaxAttempts: -2}}}}},
	}
	for _, tt := range tests {
		_, err := retry.New(nil, "bad", tt.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("got %v, want a config error naming %s", err, tt.field)
		}
	}
}

func TestJitter(t *testing.T) {
	base := retry.Config{Backoff: retry.Backoff{InitialDelay: time.Second}}
	with := func(k retry.JitterKind, j float64, max time.Duration) retry.Config {
		c := base
		c.JitterKind, c.Jitter, c.MaxDelay = k, j, max
		return c
	}
	tests := []struct {
		name string
		cfg  retry.Config
		prev time.Duration
		r    float64
		want time.Duration
	}{
		{"proportional low", with(retry.Proportional, 0.5, 0), 0, 0, ms(500)},
		{"proportional mid", with(retry.Proportional, 0.5, 0), 0, 0.5, time.Second},
		{"proportional high", with(retry.Proportional, 0.5, 0), 0, 0.75, ms(1250)},
		{"never above max", with(retry.Proportional, 1, time.Second), 0, 0.99, time.Second},
		{"full", with(retry.Full, 0, 0), 0, 0.25, ms(250)},
		{"equal", with(retry.Equal, 0, 0), 0, 0.5, ms(750)},
		{"decorrelated first", with(retry.Decorrelated, 0, 0), 0, 0.5, 2 * time.Second},
		{"decorrelated grows", with(retry.Decorrelated, 0, 0), 4 * time.Second, 0.5, ms(6500)},
		{"decorrelated capped", with(retry.Decorrelated, 0, 5*time.Second), 4 * time.Second, 0.9, 5 * time.Second},
		{"none", with(retry.NoJitter, 0, 0), 0, 0.9, time.Second},
	}
	for _, tt := range tests {
		if got := retry.Delay(tt.cfg, 1, tt.prev, tt.r); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	// SPEC §13 item 31: jitter 0.5 on 1 s varies within [0.5 s, 1.5 s].
	c := with(retry.Proportional, 0.5, 0)
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		d := retry.Delay(c, 1, 0, float64(i)/200)
		if d < ms(500) || d > ms(1500) {
			t.Fatalf("got %v, want within [0.5s, 1.5s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("got %d distinct delays, want variety", len(seen))
	}
}

func TestInjectedRand(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{InitialDelay: ms(100)}, Jitter: 0.5, Rand: func() float64 { return 0 }})
	calls := 0
	delays := h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errA, errA, errA)) })
	if want := []time.Duration{ms(50), ms(100)}; !equalDurations(delays, want) {
		t.Fatalf("got %v, want %v", delays, want)
	}
}

func TestCancelDuringWait(t *testing.T) {
	eng, clock := newEngine(t)
	r, err := retry.New(eng, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	done := make(chan error, 1)
	go func() { done <- r.Execute(ctx, failing(&calls, errA, errA)) }()
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("got %v after %d calls, want context.Canceled after 1", err, calls)
	}
	if n := clock.Timers(); n != 0 {
		t.Fatalf("got %d timers armed after cancel, want 0", n)
	}
}

func TestMaxDuration(t *testing.T) {
	h := newHarness(t)
	cfg := noJitter(retry.Backoff{MaxAttempts: 10, InitialDelay: ms(100)})
	cfg.MaxDuration = ms(350) // 100 + 200 fit, the 400 wait would end at 700
	r := h.retry(t, cfg)
	calls := 0
	var err error
	delays := h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, errA, errA, errA, errA, errA)) })
	var ee *retry.ExhaustedError
	if !errors.As(err, &ee) || ee.Reason != "max_duration" || calls != 3 || len(delays) != 2 {
		t.Fatalf("got %v, %d calls, delays %v; want max_duration after 3 calls", err, calls, delays)
	}
}

func TestEvents(t *testing.T) {
	h := newHarness(t)
	sub, err := h.eng.Events().Subscribe(eventstream.Filter{Patterns: []string{retry.Kind}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	r := h.retry(t, noJitter(retry.Backoff{InitialDelay: ms(10), Strategy: retry.Constant}))
	calls := 0
	h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errA)) })
	calls = 0
	h.run(t, func() { _ = r.Execute(context.Background(), failing(&calls, errA, errA, errA)) })
	want := []struct {
		typ     eventstream.Type
		attempt int
	}{
		{eventstream.EventRetryAttempt, 2}, {eventstream.EventRetrySuccess, 2},
		{eventstream.EventRetryAttempt, 2}, {eventstream.EventRetryAttempt, 3}, {eventstream.EventRetryExhausted, 3},
	}
	for i, w := range want {
		select {
		case ev := <-sub.C():
			if ev.Type != w.typ || ev.Fields.Attempt != w.attempt || ev.Name != "test" {
				t.Fatalf("event %d: got %s attempt %d, want %s attempt %d", i, ev.Type, ev.Fields.Attempt, w.typ, w.attempt)
			}
			if ev.Type == eventstream.EventRetryAttempt && (ev.Fields.Delay != ms(10) || ev.Fields.Err != errA.Error()) {
				t.Fatalf("event %d: got delay %v err %q, want 10ms %q", i, ev.Fields.Delay, ev.Fields.Err, errA)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d (%s) never came", i, w.typ)
		}
	}
}

func TestCallerGoneAfterFailure(t *testing.T) {
	h := newHarness(t)
	retried := false
	r := h.retry(t, retry.Config{OnRetry: func(retry.Attempt) { retried = true }})
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	h.run(t, func() {
		err = r.Execute(ctx, func(context.Context) error { cancel(); return errA })
	})
	if err != context.Canceled || retried {
		t.Fatalf("got %v (retried %v), want context.Canceled without a retry", err, retried)
	}
}

func TestHonoursRetryAfter(t *testing.T) {
	h := newHarness(t)
	limited := &messages.RejectedError{Err: messages.ErrRateLimited, Pattern: "ratelimit", RetryAfter: 3 * time.Second}
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{InitialDelay: ms(100), MaxDelay: 2 * time.Second},
		JitterKind: retry.NoJitter, RetryOn: func(error) bool { return true }})
	calls := 0
	var err error
	delays := h.run(t, func() { err = r.Execute(context.Background(), failing(&calls, limited, errA)) })
	if err != nil || calls != 3 || !equalDurations(delays, []time.Duration{2 * time.Second, ms(200)}) {
		t.Fatalf("got %v, %d calls, delays %v; want nil, 3, [2s (RetryAfter capped) 200ms]", err, calls, delays)
	}
}
