package retry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var b0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func budgetAt(d time.Duration) time.Time { return b0.Add(d) }

func checkBudget(t *testing.T, s *budgetState, at time.Duration, calls, retries, limit int64) {
	t.Helper()
	st := s.stats(budgetAt(at))
	if st.Calls != calls || st.Retries != retries || st.Limit != limit {
		t.Fatalf("at %v: got calls %d retries %d limit %d, want %d %d %d", at, st.Calls, st.Retries, st.Limit, calls, retries, limit)
	}
}

// A lower limit clamps the retries of the window to it, the oldest first;
// the calls, Accepted and Rejected are kept.
func TestBudgetReconfigureClampsRetries(t *testing.T) {
	s := newBudgetState(BudgetConfig{RetryRate: 0.5, MinPerSecond: -1, Window: 10 * time.Second})
	for _, at := range []time.Duration{0, 3 * time.Second} {
		for i := 0; i < 10; i++ {
			s.Deposit(budgetAt(at))
		}
		for i := 0; i < 4; i++ {
			s.Withdraw(budgetAt(at))
		}
	}
	checkBudget(t, s, 3*time.Second, 20, 8, 10)
	s.reconfigure(BudgetConfig{RetryRate: 0.2, MinPerSecond: -1, Window: 10 * time.Second}, budgetAt(4*time.Second))
	checkBudget(t, s, 4*time.Second, 20, 4, 4)
	if s.Withdraw(budgetAt(4*time.Second)) || s.accepted != 8 || s.rejected != 1 {
		t.Fatalf("got a retry at the new limit, or counts %d/%d; want refused, 8 accepted, 1 rejected", s.accepted, s.rejected)
	}
	// The 4 kept were the newest: they outlive the slice of time 0.
	checkBudget(t, s, 10*time.Second+time.Millisecond, 10, 4, 2)
	s.reconfigure(BudgetConfig{RetryRate: 1, MinPerSecond: -1, Window: 10 * time.Second}, budgetAt(11*time.Second))
	checkBudget(t, s, 11*time.Second, 10, 4, 10)
	if !s.Withdraw(budgetAt(11 * time.Second)) {
		t.Fatal("a higher limit refused a retry")
	}
}

// A new Window moves each old slice to the new slice of the latest moment
// it counted, dropping those older than the new window.
func TestBudgetReconfigureWindow(t *testing.T) {
	cfg := BudgetConfig{RetryRate: 1, MinPerSecond: -1, Window: 10 * time.Second} // 1 s slices
	deposits := func() *budgetState {
		s := newBudgetState(cfg)
		for i, at := range []time.Duration{0, 5 * time.Second, 9 * time.Second} {
			for k := 0; k <= i; k++ {
				s.Deposit(budgetAt(at))
			}
		}
		return s
	}
	now := 9*time.Second + 500*time.Millisecond

	s := deposits()
	shorter := cfg
	shorter.Window = 5 * time.Second // 500 ms slices
	s.reconfigure(shorter, budgetAt(now))
	// The slice of 0 s ended at 1 s, before the new window: out.
	checkBudget(t, s, now, 5, 0, 5)
	// The slice of 5 s counted until 6 s: it leaves the window at 10.5 s.
	checkBudget(t, s, 10*time.Second+250*time.Millisecond, 5, 0, 5)
	checkBudget(t, s, 10*time.Second+500*time.Millisecond, 3, 0, 3)
	checkBudget(t, s, 14*time.Second+600*time.Millisecond, 0, 0, 0)

	s = deposits()
	longer := cfg
	longer.Window = 20 * time.Second // 2 s slices
	s.reconfigure(longer, budgetAt(now))
	checkBudget(t, s, now, 6, 0, 6)
	checkBudget(t, s, 19*time.Second, 6, 0, 6)
	checkBudget(t, s, 20*time.Second, 5, 0, 5) // the slice of 0 s has left
}

// A restart of the budget's goroutine after a panic keeps the config
// Reconfigure set (its window starts empty).
func TestBudgetReconfigureSurvivesRestart(t *testing.T) {
	eng := enginetest.Start(t)
	b, err := NewBudget(eng, "restart", BudgetConfig{MinPerSecond: 1, Window: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Reconfigure(ctx, BudgetConfig{MinPerSecond: 3, Window: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// A config the caller did not normalise (Window 0) makes the goroutine
	// divide by zero: the supervisor restarts it.
	var pe *messages.PanicError
	if _, err := b.actor.Ask(ctx, reconfigureMsg{}); !errors.As(err, &pe) {
		t.Fatalf("got %v, want the goroutine's panic", err)
	}
	st, err := b.Stats(ctx)
	if err != nil || st.Limit != 30 || b.Config().MinPerSecond != 3 {
		t.Fatalf("got %+v, %v (MinPerSecond %d); want the limit of the new config, 30", st, err, b.Config().MinPerSecond)
	}
}
