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

func newManager(t testing.TB, cfg backpressure.Config) (*backpressure.Manager, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	eng, clock := enginetest.StartFake(t, epoch)
	m, err := backpressure.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, clock, eng
}

func stats(t testing.TB, m *backpressure.Manager) backpressure.Stats {
	t.Helper()
	st, err := m.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}

// waitQueued yields until n callers wait in m's queue.
func waitQueued(t testing.TB, m *backpressure.Manager, n int) {
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

// acquireWait is m.AcquireWait, keeping a granted permit for releaseN.
func acquireWait(m *backpressure.Manager, ctx context.Context, wait time.Duration) (engine.Permit, error) {
	p, err := m.AcquireWait(ctx, wait)
	if err == nil {
		held.Put(m, p)
	}
	return p, err
}

func acquireN(t testing.TB, m *backpressure.Manager, n int) {
	t.Helper()
	for i := range n {
		if _, err := acquireWait(m, context.Background(), 0); err != nil {
			t.Fatalf("Acquire #%d: %v", i+1, err)
		}
	}
}

// releaseN releases n of the permits the helpers were granted, oldest
// first (the zero Permit, a misuse, when none is left).
func releaseN(m *backpressure.Manager, n int) {
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
func want(t testing.TB, m *backpressure.Manager, pending, waiting int, active bool) backpressure.Stats {
	t.Helper()
	st := stats(t, m)
	if st.Pending != pending || st.Waiting != waiting || st.Active != active {
		t.Fatalf("pending, waiting, active: got %d %d %v, want %d %d %v", st.Pending, st.Waiting, st.Active, pending, waiting, active)
	}
	return st
}

type result struct {
	i   int
	err error
}

func acquireAsync(ctx context.Context, m *backpressure.Manager, wait time.Duration, i int) <-chan result {
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
