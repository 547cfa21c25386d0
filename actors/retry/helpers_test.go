package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	errA = errors.New("error A")
	errB = errors.New("error B")
)

func newEngine(t testing.TB) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	return enginetest.StartFake(t, epoch)
}

// harness runs a retry loop on a fake clock: OnRetry reports each delay,
// and run advances the clock by it once the wait's timer is armed.
type harness struct {
	eng    *engine.Engine
	clock  *engine.FakeClock
	delays chan time.Duration
}

func newHarness(t testing.TB) *harness {
	eng, clock := newEngine(t)
	return &harness{eng: eng, clock: clock, delays: make(chan time.Duration, 1)}
}

// retry builds a Retry whose OnRetry also feeds the harness.
func (h *harness) retry(t testing.TB, cfg retry.Config) *retry.Retry {
	t.Helper()
	prev := cfg.OnRetry
	cfg.OnRetry = func(a retry.Attempt) {
		if prev != nil {
			prev(a)
		}
		h.delays <- a.Delay
	}
	r, err := retry.New(h.eng, "test", cfg)
	if err != nil {
		t.Fatalf("retry.New: %v", err)
	}
	return r
}

// run calls fn in a goroutine, drives its waits, and returns the delays
// it waited.
func (h *harness) run(t testing.TB, fn func()) []time.Duration {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	var got []time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		select {
		case d := <-h.delays:
			got = append(got, d)
			if d > 0 {
				if err := h.clock.WaitForTimers(ctx, 1); err != nil {
					t.Fatalf("no timer armed for a %v wait", d)
				}
				h.clock.Advance(d)
			}
		case <-done:
			return got
		case <-ctx.Done():
			t.Fatal("retry loop did not finish")
		}
	}
}

// failing returns a function that fails with errs in turn (nil = success)
// and counts its calls.
func failing(calls *int, errs ...error) func(context.Context) error {
	return func(context.Context) error {
		i := *calls
		*calls++
		if i < len(errs) {
			return errs[i]
		}
		return nil
	}
}

func noJitter(b retry.Backoff) retry.Config {
	return retry.Config{Backoff: b, JitterKind: retry.NoJitter}
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// stats is r.Stats, which must not fail while the engine runs.
func stats(t testing.TB, r *retry.Retry) retry.Stats {
	t.Helper()
	st, err := r.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}
