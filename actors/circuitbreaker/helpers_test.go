package circuitbreaker

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
)

var errBoom = errors.New("boom")

// testTag is the instance tag of the machines tests build.
const testTag = 1 << tagShift

func okFn(context.Context) error   { return nil }
func failFn(context.Context) error { return errBoom }

// newEngine starts an engine (on a fake clock when fc is not nil) that the
// test shuts down.
func newEngine(t testing.TB, fc *engine.FakeClock) *engine.Engine {
	t.Helper()
	if fc == nil {
		return enginetest.Start(t)
	}
	return enginetest.Start(t, engine.WithClock(fc))
}

func newFake(t testing.TB) (*engine.Engine, *engine.FakeClock) {
	fc := engine.NewFakeClock(t0)
	return newEngine(t, fc), fc
}

func mustNew(t testing.TB, eng *engine.Engine, name string, cfg Config) *Breaker {
	t.Helper()
	b, err := New(eng, name, cfg)
	if err != nil {
		t.Fatalf("New(%q): %v", name, err)
	}
	return b
}

// stats flushes the breaker's mailbox (reports are one-way; an Ask is
// handled after every report sent before it) and returns its stats.
func stats(t testing.TB, b *Breaker) Stats {
	t.Helper()
	s, err := b.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

// next returns the next event of sub, failing after a while.
func next(t testing.TB, sub *eventstream.Subscription) eventstream.Event {
	t.Helper()
	select {
	case ev := <-sub.C():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("no event")
	}
	return eventstream.Event{}
}

func subscribe(t testing.TB, eng *engine.Engine, f eventstream.Filter) *eventstream.Subscription {
	t.Helper()
	sub, err := eng.Events().Subscribe(f, 1024)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(sub.Close)
	return sub
}

// openIt fails n calls and flushes.
func openIt(t testing.TB, b *Breaker, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := b.Execute(context.Background(), failFn); !errors.Is(err, errBoom) {
			t.Fatalf("failing call %d: got %v, want boom", i, err)
		}
	}
	if s := stats(t, b); s.State != Open {
		t.Fatalf("got %v, want open", s.State)
	}
}

// seen counts what mixed calls saw.
type seen struct{ ok, failed, ignored, rejected atomic.Uint64 }

// mixed returns the error of the k-th call of a mix where one call in
// every fails and one is neutral (cancelled).
func mixed(k, every int) error {
	switch k % every {
	case 1:
		return errBoom
	case 2:
		return context.Canceled
	}
	return nil
}

// call runs one Execute whose function returns want, and counts the result.
func (c *seen) call(t *testing.T, b *Breaker, want error) {
	err := b.Execute(context.Background(), func(context.Context) error { return want })
	switch {
	case errors.Is(err, ErrOpen):
		c.rejected.Add(1)
	case err == nil:
		c.ok.Add(1)
	case errors.Is(err, errBoom):
		c.failed.Add(1)
	case errors.Is(err, context.Canceled):
		c.ignored.Add(1)
	default:
		t.Errorf("unexpected %v", err)
	}
}

// check fails t unless s counted exactly what the callers saw, calls in all.
func (c *seen) check(t *testing.T, s Stats, calls uint64) {
	t.Helper()
	if s.Succeeded != c.ok.Load() || s.Failed != c.failed.Load() || s.Ignored != c.ignored.Load() || s.Rejected != c.rejected.Load() {
		t.Fatalf("got %+v, want ok %d failed %d ignored %d rejected %d", s, c.ok.Load(), c.failed.Load(), c.ignored.Load(), c.rejected.Load())
	}
	if s.Total != s.Succeeded+s.Failed+s.Rejected || s.Total+s.Ignored != calls {
		t.Fatalf("got total %d (+%d ignored), want %d calls", s.Total, s.Ignored, calls)
	}
}
