package coalesce_test

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

func newGroup(t testing.TB, eng *engine.Engine, cfg coalesce.Config) *coalesce.Group[int] {
	t.Helper()
	g, err := coalesce.New[int](eng, "test", cfg)
	if err != nil {
		t.Fatalf("coalesce.New: %v", err)
	}
	return g
}

type call struct {
	v   int
	err error
}

func async(ctx context.Context, g *coalesce.Group[int], key string, fn func(context.Context) (int, error)) <-chan call {
	ch := make(chan call, 1)
	go func() {
		v, err := g.Do(ctx, key, fn)
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

// gate is a function that announces its start and returns v when
// released, or its context's error.
type gate struct {
	started chan context.Context
	release chan struct{}
	runs    atomic.Int32
}

func newGate() *gate {
	return &gate{started: make(chan context.Context, 16), release: make(chan struct{})}
}

func (gt *gate) fn(v int) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		gt.runs.Add(1)
		gt.started <- ctx
		select {
		case <-gt.release:
			return v, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func (gt *gate) wait(t testing.TB) context.Context {
	t.Helper()
	select {
	case ctx := <-gt.started:
		return ctx
	case <-time.After(5 * time.Second):
		t.Fatal("the function did not start")
		return nil
	}
}

// waitFollowers waits until n followers joined.
func waitFollowers(t testing.TB, g *coalesce.Group[int], n uint64) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); stats(t, g).Followers < n; {
		if time.Now().After(deadline) {
			t.Fatalf("got %d followers, want %d", stats(t, g).Followers, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Concurrent calls with one key share one execution; another key has its
// own.
func TestShared(t *testing.T) {
	g := newGroup(t, nil, coalesce.Config{})
	gt := newGate()
	var res []<-chan call
	res = append(res, async(context.Background(), g, "a", gt.fn(1)))
	gt.wait(t)
	for i := 0; i < 4; i++ {
		res = append(res, async(context.Background(), g, "a", gt.fn(2)))
	}
	waitFollowers(t, g, 4)
	other := newGate()
	b := async(context.Background(), g, "b", other.fn(3))
	other.wait(t)
	close(gt.release)
	for i, ch := range res {
		if got := wait(t, ch); got.v != 1 || got.err != nil {
			t.Fatalf("call %d: got %v, %v; want 1, nil", i, got.v, got.err)
		}
	}
	close(other.release)
	if got := wait(t, b); got.v != 3 {
		t.Fatalf("key b: got %v, want 3", got.v)
	}
	got := stats(t, g)
	want := coalesce.Stats{Name: "test", Leaders: 2, Followers: 4}
	if !reflect.DeepEqual(got, want) || gt.runs.Load() != 1 {
		t.Fatalf("got %+v (%d runs), want %+v (1 run)", got, gt.runs.Load(), want)
	}
}

// The leader's cancellation does not fail the followers nor stop the
// work; a follower who leaves does not either.
func TestLeaderAndFollowerLeave(t *testing.T) {
	g := newGroup(t, nil, coalesce.Config{})
	gt := newGate()
	lctx, lcancel := context.WithCancel(context.Background())
	leader := async(lctx, g, "k", gt.fn(1))
	workCtx := gt.wait(t)
	fctx, fcancel := context.WithCancel(context.Background())
	quitter := async(fctx, g, "k", gt.fn(2))
	stayer := async(context.Background(), g, "k", gt.fn(2))
	waitFollowers(t, g, 2)
	lcancel()
	if got := wait(t, leader); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("leader: got %v, want context.Canceled", got.err)
	}
	fcancel()
	if got := wait(t, quitter); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("follower: got %v, want context.Canceled", got.err)
	}
	if workCtx.Err() != nil {
		t.Fatalf("the work's context ended (%v) when its callers left", workCtx.Err())
	}
	close(gt.release)
	if got := wait(t, stayer); got.v != 1 || got.err != nil {
		t.Fatalf("remaining follower: got %v, %v; want 1, nil", got.v, got.err)
	}
	if got := stats(t, g); got.Cancelled != 2 || got.Leaders != 1 || got.Followers != 2 {
		t.Fatalf("got %+v, want 1 leader, 2 followers, 2 left", got)
	}
}

// The work is bounded by Timeout, on the engine's clock.
func TestTimeout(t *testing.T) {
	eng, clock := enginetest.StartFake(t, enginetest.Epoch)
	g := newGroup(t, eng, coalesce.Config{Timeout: time.Second})
	gt := newGate()
	res := async(context.Background(), g, "k", gt.fn(1))
	ctx := gt.wait(t)
	if dl, ok := ctx.Deadline(); !ok || dl != enginetest.Epoch.Add(time.Second) {
		t.Fatalf("got deadline %v, %v; want epoch+1s", dl, ok)
	}
	clock.Advance(999 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("ended before its timeout")
	}
	clock.Advance(time.Millisecond)
	if got := wait(t, res); !errors.Is(got.err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", got.err)
	}
}

// A panic reaches every waiter as a *messages.PanicError.
func TestPanic(t *testing.T) {
	g := newGroup(t, nil, coalesce.Config{})
	started, release := make(chan struct{}), make(chan struct{})
	fn := func(context.Context) (int, error) {
		close(started)
		<-release
		panic("boom")
	}
	a := async(context.Background(), g, "k", fn)
	<-started
	b := async(context.Background(), g, "k", fn)
	waitFollowers(t, g, 1)
	close(release)
	for _, ch := range []<-chan call{a, b} {
		var pe *messages.PanicError
		if got := wait(t, ch); !errors.As(got.err, &pe) || pe.Value != "boom" {
			t.Fatalf("got %v, want a PanicError of boom", got.err)
		}
	}
	if got := stats(t, g); got.Panics != 1 {
		t.Fatalf("got %d panics, want 1", got.Panics)
	}
}

// MaxKeys bounds the distinct keys in flight; a key in flight still
// joins; the place frees when the work ends.
func TestMaxKeys(t *testing.T) {
	g := newGroup(t, nil, coalesce.Config{MaxKeys: 1})
	gt := newGate()
	a := async(context.Background(), g, "a", gt.fn(1))
	gt.wait(t)
	_, err := g.Do(context.Background(), "b", gt.fn(2))
	if !errors.Is(err, coalesce.ErrTooManyKeys) || !messages.IsRefusal(err) {
		t.Fatalf("got %v, want ErrTooManyKeys, a refusal", err)
	}
	a2 := async(context.Background(), g, "a", gt.fn(1))
	waitFollowers(t, g, 1)
	close(gt.release)
	wait(t, a)
	wait(t, a2)
	if v, err := g.Do(context.Background(), "b", func(context.Context) (int, error) { return 5, nil }); v != 5 || err != nil {
		t.Fatalf("after the work ended: got %v, %v; want 5, nil", v, err)
	}
	if got := stats(t, g); got.Rejected != 1 || got.RejectedBy[coalesce.ReasonKeysFull] != 1 || got.InFlight != 0 {
		t.Fatalf("got %+v, want 1 rejected, 0 in flight", got)
	}
}

// A caller whose context had ended runs nothing; after Shutdown every
// call, waiting or new, gets ErrStopped.
func TestGoneAndStopped(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(t, eng, coalesce.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if _, err := g.Do(ctx, "k", func(context.Context) (int, error) { called = true; return 1, nil }); !errors.Is(err, context.Canceled) || called {
		t.Fatalf("got %v (called %v), want Canceled without a call", err, called)
	}
	gt := newGate()
	waiting := async(context.Background(), g, "k", gt.fn(1))
	gt.wait(t)
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, waiting); !errors.Is(got.err, messages.ErrStopped) {
		t.Fatalf("waiting call: got %v, want ErrStopped", got.err)
	}
	if _, err := g.Do(context.Background(), "k", gt.fn(1)); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("new call: got %v, want ErrStopped", err)
	}
	close(gt.release)
	if _, err := g.Do(context.Background(), "k", nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil fn: got %v, want ErrInvalidConfig", err)
	}
}

// In a chain the stages below the Group run once per key in flight.
func TestInChain(t *testing.T) {
	g := newGroup(t, nil, coalesce.Config{})
	type keyT struct{}
	c := engine.Chain(engine.UsePolicy[int](coalesce.For(g, func(ctx context.Context) string { return ctx.Value(keyT{}).(string) })))
	ctx := context.WithValue(context.Background(), keyT{}, "user-1")
	v, err := c.Get(ctx, func(ctx context.Context) (int, error) { return len(ctx.Value(keyT{}).(string)), nil })
	if v != 6 || err != nil {
		t.Fatalf("got %v, %v; want 6, nil (the work keeps the caller's values)", v, err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg   coalesce.Config
		field string
	}{
		{coalesce.Config{}, ""},
		{coalesce.Config{Timeout: coalesce.LargestTimeout, MaxKeys: coalesce.LargestMaxKeys}, ""},
		{coalesce.Config{Timeout: -1}, "Timeout"},
		{coalesce.Config{Timeout: coalesce.LargestTimeout + 1}, "Timeout"},
		{coalesce.Config{MaxKeys: -1}, "MaxKeys"},
		{coalesce.Config{MaxKeys: coalesce.LargestMaxKeys + 1}, "MaxKeys"},
		{coalesce.Config{ReuseFor: coalesce.LargestReuseFor}, ""},
		{coalesce.Config{ReuseFor: -1}, "ReuseFor"},
		{coalesce.Config{ReuseFor: coalesce.LargestReuseFor + 1}, "ReuseFor"},
	} {
		err := c.cfg.Validate()
		_, nerr := coalesce.New[int](nil, "x", c.cfg)
		var ce *messages.ConfigError
		switch {
		case (err == nil) != (nerr == nil):
			t.Errorf("%+v: Validate %v, New %v: they disagree", c.cfg, err, nerr)
		case c.field == "" && err != nil:
			t.Errorf("%+v: got %v, want valid", c.cfg, err)
		case c.field != "" && (!errors.As(err, &ce) || ce.Field != c.field):
			t.Errorf("%+v: got %v, want a ConfigError on %s", c.cfg, err, c.field)
		}
	}
}

// stats returns g's Stats, failing t if they come with an error.
func stats[T any](t testing.TB, g *coalesce.Group[T]) coalesce.Stats {
	t.Helper()
	s, err := g.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

// After Shutdown, Stats still returns the counts, with ErrStopped; a
// Group without an engine never stops.
func TestStatsAfterShutdown(t *testing.T) {
	eng := enginetest.Start(t)
	g := newGroup(t, eng, coalesce.Config{})
	one := func(context.Context) (int, error) { return 1, nil }
	if _, err := g.Do(context.Background(), "k", one); err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := g.Stats(context.Background())
	if !errors.Is(err, messages.ErrStopped) || st.Leaders != 1 {
		t.Fatalf("Stats after Shutdown: got %+v, %v; want 1 leader, ErrStopped", st, err)
	}
	if st := stats(t, newGroup(t, nil, coalesce.Config{})); st.Leaders != 0 {
		t.Fatalf("a new Group without an engine: got %+v, want zero counts", st)
	}
}
