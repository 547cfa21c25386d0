package retry_test

import (
	"context"
	"errors"
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
	if !errors.As(err, &ee) || ee.Attempts != 3 || ee.Reason != retry.ReasonAttempts || ee.Err != errA {
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

// SPEC §13 item 32, with the per-strategy counters fixed.
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
	// Stats: a call whose caller left during a wait was not retried, and
	// its wait counts whole.
	if st := wantStats(t, r, 1, 1, 0, 1, 0, 1); st.TotalDelay <= 0 {
		t.Fatalf("total delay: got %v, want the wait that was cut short", st.TotalDelay)
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
	if !errors.As(err, &ee) || ee.Reason != retry.ReasonMaxDuration || calls != 3 || len(delays) != 2 {
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
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errA) || retried {
		t.Fatalf("got %v (retried %v), want context.Canceled and error A without a retry", err, retried)
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
