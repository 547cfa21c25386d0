package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// newEngine starts an engine on a fake clock that the test shuts down when
// it ends.
func newEngine(t testing.TB, start time.Time) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	return enginetest.StartFake(t, start)
}

// newLimiter starts a limiter on a fake clock. A shard arms its sweep
// timer when it takes its first key, before that call returns, so that
// Advance drives the sweeps of every key a test has used.
func newLimiter(t testing.TB, cfg ratelimit.Config) (*ratelimit.Limiter, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := newEngine(t, epoch)
	l, err := ratelimit.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l, clock, eng
}

func waitTimers(t testing.TB, clock *engine.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clock.WaitForTimers(ctx, n); err != nil {
		t.Fatalf("waiting for %d timers (have %d): %v", n, clock.Timers(), err)
	}
}

func stats(t testing.TB, l *ratelimit.Limiter) ratelimit.Stats {
	t.Helper()
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// allowed counts how many of n calls are allowed.
func allowed(t testing.TB, l *ratelimit.Limiter, key, rate string, n int) int {
	t.Helper()
	got := 0
	for range n {
		err := l.Allow(context.Background(), key, rate)
		switch {
		case err == nil:
			got++
		case !errors.Is(err, ratelimit.ErrLimited):
			t.Fatalf("Allow(%q, %q): %v", key, rate, err)
		}
	}
	return got
}

// wantRejected checks that err is a rate-limit rejection with retry.
func wantRejected(t testing.TB, err error, reason string, retry time.Duration) {
	t.Helper()
	var rej *messages.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, messages.ErrRateLimited) {
		t.Fatalf("got %v, want a *RejectedError wrapping ErrRateLimited", err)
	}
	if rej.Pattern != ratelimit.Kind || rej.Reason != reason || rej.RetryAfter != retry {
		t.Fatalf("got pattern %q reason %q retry %v, want %q %q %v", rej.Pattern, rej.Reason, rej.RetryAfter, ratelimit.Kind, reason, retry)
	}
}

var algorithms = []ratelimit.Algorithm{ratelimit.GCRA, ratelimit.SlidingWindow}
