package hedge_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

func newEngine(t testing.TB) (*engine.Engine, *engine.FakeClock) {
	t.Helper()
	return enginetest.StartFake(t, enginetest.Epoch)
}

func newHedge(t testing.TB, eng *engine.Engine, cfg hedge.Config) *hedge.Hedge {
	t.Helper()
	h, err := hedge.New(eng, "test", cfg)
	if err != nil {
		t.Fatalf("hedge.New: %v", err)
	}
	return h
}

// attempt is one running attempt of a scripted backend: the test answers
// it on reply, and sees its context.
type attempt struct {
	ctx   context.Context
	reply chan result
}

type result struct {
	v   int
	err error
}

// backend's function announces each attempt on the returned channel and
// returns what the test sends it, or its context's error.
func backend() (func(context.Context) (int, error), <-chan attempt) {
	ch := make(chan attempt, 64)
	return func(ctx context.Context) (int, error) {
		a := attempt{ctx: ctx, reply: make(chan result, 1)}
		ch <- a
		select {
		case r := <-a.reply:
			return r.v, r.err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}, ch
}

func next(t testing.TB, ch <-chan attempt) attempt {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no attempt started")
		return attempt{}
	}
}

func none(t testing.TB, ch <-chan attempt) {
	t.Helper()
	select {
	case <-ch:
		t.Fatal("an attempt started, want none")
	case <-time.After(20 * time.Millisecond):
	}
}

type call struct {
	v   int
	err error
}

func async(ctx context.Context, h *hedge.Hedge, fn func(context.Context) (int, error)) <-chan call {
	ch := make(chan call, 1)
	go func() {
		v, err := hedge.Do(ctx, h, fn)
		ch <- call{v, err}
	}()
	return ch
}

func wait(t testing.TB, ch <-chan call) call {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("call did not return")
		return call{}
	}
}

// armed waits until the call's hedge timer is armed on the fake clock.
func armed(t testing.TB, clock *engine.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := clock.WaitForTimers(ctx, n); err != nil {
		t.Fatalf("timer not armed: %v", err)
	}
}

func done(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

// stats returns h's Stats, failing t if they come with an error.
func stats(t testing.TB, h *hedge.Hedge) hedge.Stats {
	t.Helper()
	s, err := h.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}
