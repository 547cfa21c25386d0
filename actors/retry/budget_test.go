package retry_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/messages"
)

// A 100 %-failure storm: 200 calls of 3 attempts each would make 400
// retries; a 10 % budget without a floor allows 20.
func TestBudgetCapsRetriesInAStorm(t *testing.T) {
	h := newHarness(t)
	b, err := retry.NewBudget(h.eng, "storm", retry.BudgetConfig{RetryRate: 0.1, MinPerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{InitialDelay: time.Millisecond}, JitterKind: retry.NoJitter, Budget: b})
	const n = 200
	calls, budgetRejected := 0, 0
	h.run(t, func() {
		for i := 0; i < n; i++ {
			err := r.Execute(context.Background(), func(context.Context) error { calls++; return errA })
			var ee *retry.ExhaustedError
			if errors.As(err, &ee) && ee.Reason == retry.ReasonBudget {
				budgetRejected++
			}
		}
	})
	retries := calls - n
	if retries > n/10 || retries < n/10-1 {
		t.Fatalf("got %d retries for %d calls, want about %d (10%%)", retries, n, n/10)
	}
	if budgetRejected < n-retries {
		t.Fatalf("got %d budget refusals, want at least %d", budgetRejected, n-retries)
	}
	st, err := b.Stats(context.Background())
	if err != nil || st.Calls != n || st.Retries != int64(retries) ||
		st.Accepted != uint64(retries) || st.Rejected != uint64(budgetRejected) || st.Name != "storm" {
		t.Fatalf("got stats %+v, %v; want storm: %d calls, %d retries accepted, %d rejected", st, err, n, retries, budgetRejected)
	}
}

func TestBudgetFloorAndWindow(t *testing.T) {
	h := newHarness(t)
	b, err := retry.NewBudget(h.eng, "floor", retry.BudgetConfig{RetryRate: 0.1, MinPerSecond: 1, Window: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// No calls: the floor alone allows 1/s × 10 s = 10 retries.
	if st, _ := b.Stats(ctx); st.Limit != 10 {
		t.Fatalf("got limit %d, want 10", st.Limit)
	}
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{MaxAttempts: 100, InitialDelay: time.Millisecond, Strategy: retry.Constant},
		JitterKind: retry.NoJitter, Budget: b})
	calls := 0
	var got error
	h.run(t, func() { got = r.Execute(ctx, func(context.Context) error { calls++; return errA }) })
	if calls != 11 || !errors.Is(got, messages.ErrRetriesExhausted) {
		t.Fatalf("got %d calls, %v; want 11 (1 + 10 retries) and exhaustion", calls, got)
	}
	// After a whole window the retries are forgotten.
	h.clock.Advance(11 * time.Second)
	if st, _ := b.Stats(ctx); st.Retries != 0 || st.Calls != 0 {
		t.Fatalf("got %+v after the window, want it empty", st)
	}
}

func TestBudgetConfig(t *testing.T) {
	eng, _ := newEngine(t)
	for _, tt := range []struct {
		field string
		cfg   retry.BudgetConfig
	}{
		{"RetryRate", retry.BudgetConfig{RetryRate: -1}},
		{"RetryRate", retry.BudgetConfig{RetryRate: 11}},
		{"MinPerSecond", retry.BudgetConfig{MinPerSecond: -2}},
		{"Window", retry.BudgetConfig{Window: time.Millisecond}},
		{"MinPerSecond", retry.BudgetConfig{MinPerSecond: retry.LargestBudgetMinPerSecond + 1}},
		{"Window", retry.BudgetConfig{Window: retry.LargestBudgetWindow + 1}},
	} {
		_, err := retry.NewBudget(eng, "bad", tt.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || tt.cfg.Validate() == nil {
			t.Errorf("got %v (Validate %v), want a config error naming %s", err, tt.cfg.Validate(), tt.field)
		}
	}
	if _, err := retry.NewBudget(nil, "x", retry.BudgetConfig{}); err == nil {
		t.Error("got nil error for a nil engine")
	}
	a, err1 := retry.NewBudget(eng, "same", retry.BudgetConfig{})
	b, err2 := retry.NewBudget(eng, "same", retry.BudgetConfig{})
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("got %p, %p (%v, %v), want the same budget", a, b, err1, err2)
	}
	if _, err := retry.NewBudget(eng, "same", retry.BudgetConfig{RetryRate: 0.5}); err == nil {
		t.Error("got nil error for a conflicting config")
	}
}

func TestBudgetAfterShutdown(t *testing.T) {
	h := newHarness(t)
	b, err := retry.NewBudget(h.eng, "gone", retry.BudgetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A Retry of no engine (a Retry of the stopped engine would run
	// nothing) meets the stopped budget.
	r, err := retry.New(nil, "test", retry.Config{Budget: b})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	got := r.Execute(context.Background(), func(context.Context) error { calls++; return errA })
	var ee *retry.ExhaustedError
	if calls != 1 || !errors.As(got, &ee) || ee.Reason != retry.ReasonBudget {
		t.Fatalf("got %d calls, %v; want 1 call refused by the stopped budget", calls, got)
	}
	if _, err := b.Stats(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("got %v, want ErrStopped", err)
	}
}

// The same storm from 8 goroutines at once: the budget's answers are
// exact, so the cap holds under concurrency too.
func TestBudgetStormConcurrent(t *testing.T) {
	eng, clock := newEngine(t)
	b, err := retry.NewBudget(eng, "storm", retry.BudgetConfig{RetryRate: 0.1, MinPerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := retry.New(eng, "storm", retry.Config{Backoff: retry.Backoff{MaxAttempts: 4, InitialDelay: time.Millisecond, Strategy: retry.Constant},
		JitterKind: retry.NoJitter, Budget: b})
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 8, 50
	var attempts atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				_ = r.Execute(context.Background(), func(context.Context) error { attempts.Add(1); return errA })
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	// Every wait is 1 ms: step the clock while anyone waits.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-done; cancel() }()
	for clock.WaitForTimers(ctx, 1) == nil {
		clock.Advance(time.Millisecond)
	}
	<-done
	calls := int64(workers * perWorker)
	if retries := attempts.Load() - calls; retries > calls/10 {
		t.Fatalf("got %d retries for %d calls, want at most %d", retries, calls, calls/10)
	}
	st, _ := b.Stats(context.Background())
	if st.Calls != calls || st.Retries > calls/10 {
		t.Fatalf("got %+v, want %d calls and at most %d retries", st, calls, calls/10)
	}
}
