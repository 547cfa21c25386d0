package adaptive_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newLimiter(t testing.TB, cfg adaptive.Config) (*adaptive.Limiter, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := enginetest.StartFake(t, epoch)
	l, err := adaptive.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l, clock, eng
}

func stats(t testing.TB, l *adaptive.Limiter) adaptive.Stats {
	t.Helper()
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// acquireN takes n permits and fails the test if one is refused.
func acquireN(t testing.TB, l *adaptive.Limiter, n int) []engine.Permit {
	t.Helper()
	ps := make([]engine.Permit, n)
	for i := range ps {
		p, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatalf("Acquire #%d: %v", i+1, err)
		}
		ps[i] = p
	}
	return ps
}

func releaseAll(l *adaptive.Limiter, ps []engine.Permit, o messages.Outcome) {
	for _, p := range ps {
		l.Release(p, o)
	}
}

func wantAtLimit(t testing.TB, err error) {
	t.Helper()
	var rej *messages.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, adaptive.ErrLimitExceeded) || !errors.Is(err, messages.ErrLimitExceeded) {
		t.Fatalf("got %v, want a *RejectedError wrapping ErrLimitExceeded", err)
	}
	if rej.Pattern != adaptive.Kind || rej.Name != "test" || rej.Reason != adaptive.ReasonAtLimit {
		t.Fatalf("got %q %q %q, want %q %q %q", rej.Pattern, rej.Name, rej.Reason, adaptive.Kind, "test", adaptive.ReasonAtLimit)
	}
}
