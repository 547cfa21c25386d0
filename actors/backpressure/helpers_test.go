package backpressure_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newGate(t testing.TB, cfg backpressure.Config) (*backpressure.Gate, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := enginetest.StartFake(t, epoch)
	m, err := backpressure.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, clock, eng
}

func stats(t testing.TB, m *backpressure.Gate) backpressure.Stats {
	t.Helper()
	st, err := m.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// waitQueued yields until n callers wait in m's queue.
func waitQueued(t testing.TB, m *backpressure.Gate, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for stats(t, m).Waiting != n {
		if time.Now().After(deadline) {
			t.Fatalf("waiting: got %d, want %d", stats(t, m).Waiting, n)
		}
		runtime.Gosched()
	}
}

// held keeps the permits the helpers were granted, for releaseN.
var held waitqtest.Holdings

// untilCanceled, as a wait of acquire or acquireWait, waits until the
// context ends; a wait of 0 does not wait at all.
const untilCanceled time.Duration = -1

// acquire is m.AcquireNow for a wait of 0, m.AcquireWait(ctx, 0) for
// untilCanceled, else m.AcquireWait(ctx, wait).
func acquire(m *backpressure.Gate, ctx context.Context, wait time.Duration) (engine.Permit, error) {
	switch {
	case wait == 0:
		return m.AcquireNow(ctx)
	case wait < 0:
		return m.AcquireWait(ctx, 0)
	}
	return m.AcquireWait(ctx, wait)
}

// acquireWait is acquire, keeping a granted permit for releaseN.
func acquireWait(m *backpressure.Gate, ctx context.Context, wait time.Duration) (engine.Permit, error) {
	p, err := acquire(m, ctx, wait)
	if err == nil {
		held.Put(m, p)
	}
	return p, err
}

func acquireN(t testing.TB, m *backpressure.Gate, n int) {
	t.Helper()
	for i := range n {
		if _, err := acquireWait(m, context.Background(), 0); err != nil {
			t.Fatalf("Acquire #%d: %v", i+1, err)
		}
	}
}

// releaseN releases n of the permits the helpers were granted, oldest
// first (the zero Permit, a misuse, when none is left).
func releaseN(m *backpressure.Gate, n int) {
	for range n {
		p, _ := held.Take(m)
		m.Release(p, messages.Success)
	}
}

func wantRejected(t testing.TB, err error, reason string) {
	t.Helper()
	var rej *messages.RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, backpressure.ErrBackpressure) {
		t.Fatalf("got %v, want a *RejectedError wrapping ErrBackpressure", err)
	}
	if rej.Pattern != backpressure.Kind || rej.Name != "test" || rej.Reason != reason {
		t.Fatalf("got pattern %q name %q reason %q, want %q %q %q", rej.Pattern, rej.Name, rej.Reason, backpressure.Kind, "test", reason)
	}
}

// want checks pending, waiting and the flag.
func want(t testing.TB, m *backpressure.Gate, pending, waiting int, active bool) backpressure.Stats {
	t.Helper()
	st := stats(t, m)
	if st.InFlight != pending || st.Waiting != waiting || st.Active != active {
		t.Fatalf("pending, waiting, active: got %d %d %v, want %d %d %v", st.InFlight, st.Waiting, st.Active, pending, waiting, active)
	}
	return st
}

type result struct {
	i   int
	err error
}

func acquireAsync(ctx context.Context, m *backpressure.Gate, wait time.Duration, i int) <-chan result {
	ch := make(chan result, 1)
	go func() {
		_, err := acquireWait(m, ctx, wait)
		ch <- result{i, err}
	}()
	return ch
}

func pendingResult(t testing.TB, ch <-chan result) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("waiter %d: returned %v, want still waiting", r.i, r.err)
	default:
	}
}
