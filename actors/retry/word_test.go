package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// After the engine's Shutdown a Retry made with it runs nothing and
// returns ErrStopped, through every entry point.
func TestStoppedEngineRunsNothing(t *testing.T) {
	eng, _ := newEngine(t)
	r, err := retry.New(eng, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := 0
	fn := func(context.Context) (int, error) { calls++; return 1, nil }
	ctx := context.Background()
	_, errDo := retry.Do(ctx, r, fn)
	_, errPolicy := retry.For[int](r).Do(ctx, fn)
	_, errChain := engine.Chain(engine.UsePolicy(retry.For[int](r))).Get(ctx, fn)
	errExec := r.Execute(ctx, func(context.Context) error { calls++; return nil })
	for i, err := range []error{errDo, errPolicy, errChain, errExec} {
		if !errors.Is(err, messages.ErrStopped) {
			t.Errorf("entry %d: got %v, want ErrStopped", i, err)
		}
	}
	if calls != 0 {
		t.Fatalf("got %d calls, want 0", calls)
	}
	if _, err := r.Stats(ctx); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Stats: got %v, want ErrStopped", err)
	}
}

// Shutdown during a backoff wait ends the wait: the caller gets
// ErrStopped with the last error kept, and no further attempt runs.
func TestShutdownDuringWait(t *testing.T) {
	eng, clock := newEngine(t)
	r, err := retry.New(eng, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	done := make(chan error, 1)
	go func() { done <- r.Execute(context.Background(), failing(&calls, errA, errA)) }()
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the wait went on after Shutdown") // and leaks the stuck call
	}
	if !errors.Is(err, messages.ErrStopped) || !errors.Is(err, errA) || calls != 1 {
		t.Fatalf("got %v after %d calls, want ErrStopped and error A after 1", err, calls)
	}
}

// A caller who gave up gets the context's error, also when the function
// returned nil after the context ended, and the last backend error is kept.
func TestCallerWhoGaveUp(t *testing.T) {
	h := newHarness(t)
	r := h.retry(t, retry.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	var v int
	var err error
	h.run(t, func() {
		v, err = retry.Do(ctx, r, func(context.Context) (int, error) { cancel(); return 1, nil })
	})
	if v != 0 || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, %v; want 0, context.Canceled", v, err)
	}

	// Cancelled during a wait: both the context's error and error A.
	eng, clock := newEngine(t)
	r2, _ := retry.New(eng, "test", retry.Config{})
	ctx, cancel = context.WithCancel(context.Background())
	calls := 0
	done := make(chan error, 1)
	go func() { done <- r2.Execute(ctx, failing(&calls, errA, errA)) }()
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, errA) || calls != 1 {
		t.Fatalf("got %v after %d calls, want context.Canceled and error A after 1", err, calls)
	}
}

// deadlineCtx reports a deadline on the fake clock without ending.
type deadlineCtx struct {
	context.Context
	at time.Time
}

func (c deadlineCtx) Deadline() (time.Time, bool) { return c.at, true }

// No backoff starts that would end at or past the caller's deadline: the
// retry gives up at once with the last error (Reason "deadline").
func TestNoWaitPastCallerDeadline(t *testing.T) {
	tests := []struct {
		left      time.Duration // until the caller's deadline
		wantCalls int
		wantWaits []time.Duration
	}{
		{left: 50 * time.Millisecond, wantCalls: 1},
		{left: 100 * time.Millisecond, wantCalls: 1}, // would start exactly at the deadline
		{left: 250 * time.Millisecond, wantCalls: 2, wantWaits: []time.Duration{ms(100)}},
	}
	for _, tt := range tests {
		h := newHarness(t)
		r := h.retry(t, noJitter(retry.Backoff{MaxAttempts: 5, InitialDelay: ms(100)}))
		ctx := deadlineCtx{context.Background(), epoch.Add(tt.left)}
		calls := 0
		var err error
		waits := h.run(t, func() { err = r.Execute(ctx, failing(&calls, errA, errA, errA, errA, errA)) })
		var ee *retry.ExhaustedError
		if !errors.As(err, &ee) || ee.Reason != retry.ReasonDeadline || !errors.Is(err, errA) || calls != tt.wantCalls || !equalDurations(waits, tt.wantWaits) {
			t.Errorf("%v left: got %v after %d calls, waits %v; want deadline exhaustion with error A after %d, waits %v",
				tt.left, err, calls, waits, tt.wantCalls, tt.wantWaits)
		}
	}
}

// A nil function is an error that names it, not a nil dereference.
func TestNilFunction(t *testing.T) {
	r, err := retry.New(nil, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, errDo := retry.Do[int](ctx, r, nil)
	_, errPolicy := retry.For[int](r).Do(ctx, nil)
	for i, err := range []error{r.Execute(ctx, nil), errDo, errPolicy} {
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != "fn" || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("entry %d: got %v, want a ConfigError for fn", i, err)
		}
	}
}

// A caller whose context had already ended runs nothing.
func TestEndedContextRunsNothing(t *testing.T) {
	r, err := retry.New(nil, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	v, err := retry.Do(ctx, r, func(context.Context) (int, error) { calls++; return 1, nil })
	if v != 0 || err != context.Canceled || calls != 0 {
		t.Fatalf("got %v, %v after %d calls; want 0, context.Canceled, no call", v, err, calls)
	}
}
