package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func budgetStats(t *testing.T, b *retry.Budget) retry.BudgetStats {
	t.Helper()
	st, err := b.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// Reconfigure keeps the window's counts, clamps the retries to the new
// Limit, and the next retries are judged against it.
func TestBudgetReconfigureThroughRetries(t *testing.T) {
	h := newHarness(t)
	sub, err := h.eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	b, err := retry.NewBudget(h.eng, "live", retry.BudgetConfig{RetryRate: 0.1, MinPerSecond: 1, Window: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := h.retry(t, retry.Config{Backoff: retry.Backoff{MaxAttempts: 100, InitialDelay: time.Millisecond, Strategy: retry.Constant},
		JitterKind: retry.NoJitter, Budget: b})
	ctx := context.Background()
	calls := 0
	h.run(t, func() { _ = r.Execute(ctx, func(context.Context) error { calls++; return errA }) })
	if st := budgetStats(t, b); calls != 11 || st.Retries != 10 || st.Limit != 10 {
		t.Fatalf("got %d calls, %+v; want 1 + 10 retries at limit 10", calls, st)
	}

	// 500 % of calls and no floor: 1 call allows 5 retries.
	if err := b.Reconfigure(ctx, retry.BudgetConfig{RetryRate: 5, MinPerSecond: -1, Window: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	st := budgetStats(t, b)
	if st.Calls != 1 || st.Retries != 5 || st.Limit != 5 || st.Accepted != 10 || st.Rejected != 1 {
		t.Fatalf("got %+v, want 1 call, the retries clamped to the new limit 5, 10 accepted, 1 rejected", st)
	}
	ev := <-sub.C()
	if ev.Pattern != retry.BudgetKind || ev.Name != "live" ||
		ev.Fields.OldState != "RetryRate=0.1 MinPerSecond=1" || ev.Fields.NewState != "RetryRate=5 MinPerSecond=-1" {
		t.Fatalf("got %v, want config_changed of RetryRate and MinPerSecond", ev)
	}
	// A second call raises the limit to 10: 5 more retries, then the budget
	// refuses.
	calls = 0
	var got error
	h.run(t, func() { got = r.Execute(ctx, func(context.Context) error { calls++; return errA }) })
	var ee *retry.ExhaustedError
	if calls != 6 || !errors.As(got, &ee) || ee.Reason != retry.ReasonBudget {
		t.Fatalf("got %d calls, %v; want 1 + 5 retries and the budget's refusal", calls, got)
	}
}

// An identical config publishes nothing and resets nothing; the registry
// holds the config in force.
func TestBudgetReconfigureIdenticalAndRegistry(t *testing.T) {
	eng, _ := newEngine(t)
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	old := retry.BudgetConfig{RetryRate: 0.5}
	b, err := retry.NewBudget(eng, "reg", old)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Reconfigure(ctx, retry.BudgetConfig{RetryRate: 0.5, MinPerSecond: retry.DefaultBudgetMinPerSecond, Window: retry.DefaultBudgetWindow}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("an identical config published %v", ev)
	default:
	}
	now := retry.BudgetConfig{RetryRate: 0.5, Window: time.Minute}
	if err := b.Reconfigure(ctx, now); err != nil {
		t.Fatal(err)
	}
	if st := budgetStats(t, b); st.Limit != 600 || b.Config().Window != time.Minute {
		t.Fatalf("got %+v (Window %v), want the floor over a minute: 600", st, b.Config().Window)
	}
	if again, err := retry.NewBudget(eng, "reg", now); err != nil || again != b {
		t.Fatalf("NewBudget with the new config: got %p, %v; want the same budget", again, err)
	}
	var ce *supervisor.ConflictError
	if _, err := retry.NewBudget(eng, "reg", old); !errors.As(err, &ce) {
		t.Fatalf("NewBudget with the old config: got %v, want a ConflictError", err)
	}
}

// A bad config is a ConfigError, an ended context applies nothing, and
// after Shutdown it is ErrStopped.
func TestBudgetReconfigureRefusals(t *testing.T) {
	eng, _ := newEngine(t)
	b, err := retry.NewBudget(eng, "bad", retry.BudgetConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var ce *messages.ConfigError
	if err := b.Reconfigure(context.Background(), retry.BudgetConfig{Window: time.Millisecond}); !errors.As(err, &ce) || ce.Field != "Window" {
		t.Fatalf("got %v, want a ConfigError naming Window", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Reconfigure(ctx, retry.BudgetConfig{RetryRate: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended context: got %v, want context.Canceled", err)
	}
	if st := budgetStats(t, b); st.Limit != retry.DefaultBudgetMinPerSecond*10 || b.Config().RetryRate != retry.DefaultBudgetRetryRate {
		t.Fatalf("got %+v, want the default config still in force", st)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Reconfigure(context.Background(), retry.BudgetConfig{RetryRate: 1}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("after Shutdown: got %v, want ErrStopped", err)
	}
}
