package hedge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

var errA = errors.New("error A")

// A slow first attempt gets a hedge at exactly Delay; the hedge's success
// wins and the first attempt's context is cancelled.
func TestHedgeWinsAfterDelay(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 100 * time.Millisecond})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	first := next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(99 * time.Millisecond)
	none(t, attempts)
	clock.Advance(time.Millisecond)
	second := next(t, attempts)
	second.reply <- result{v: 2}
	if got := wait(t, res); got.v != 2 || got.err != nil {
		t.Fatalf("got %v, %v; want 2, nil", got.v, got.err)
	}
	if !done(first.ctx) {
		t.Fatal("the losing attempt's context was not cancelled")
	}
	got := stats(t, h)
	want := hedge.Stats{Name: "test", Calls: 1, Succeeded: 1, Hedges: 1, Won: 1}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// A first attempt that answers before the delay starts no hedge.
func TestFastCallNoHedge(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 100 * time.Millisecond})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	first := next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(50 * time.Millisecond)
	first.reply <- result{v: 1}
	if got := wait(t, res); got.v != 1 || got.err != nil {
		t.Fatalf("got %v, %v; want 1, nil", got.v, got.err)
	}
	clock.Advance(time.Second)
	none(t, attempts)
	if got := stats(t, h); got.Hedges != 0 || got.Succeeded != 1 {
		t.Fatalf("got %+v, want 1 success and no hedge", got)
	}
}

// MaxHedges attempts start, one per delay, and no more; the first
// attempt may still win.
func TestMaxHedges(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond, MaxHedges: 2, BudgetPercent: 1600})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	first := next(t, attempts)
	var others []attempt
	for i := 0; i < 2; i++ {
		armed(t, clock, 1)
		clock.Advance(10 * time.Millisecond)
		others = append(others, next(t, attempts))
	}
	clock.Advance(time.Second)
	none(t, attempts)
	first.reply <- result{v: 1}
	if got := wait(t, res); got.v != 1 || got.err != nil {
		t.Fatalf("got %v, %v; want 1, nil", got.v, got.err)
	}
	for i, a := range others {
		if !done(a.ctx) {
			t.Fatalf("hedge %d not cancelled", i+1)
		}
	}
	if got := stats(t, h); got.Hedges != 2 || got.Won != 0 {
		t.Fatalf("got %+v, want 2 hedges, none won", got)
	}
}

// The budget: BudgetBurst 1 and 50 %: the first slow call hedges, the
// second is refused (the budget holds half a hedge), the third hedges
// again.
func TestBudget(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond, BudgetBurst: 1, BudgetPercent: 50})
	for i, wantHedge := range []bool{true, false, true} {
		fn, attempts := backend()
		res := async(context.Background(), h, fn)
		first := next(t, attempts)
		armed(t, clock, 1)
		clock.Advance(10 * time.Millisecond)
		if wantHedge {
			a := next(t, attempts)
			a.reply <- result{v: 2}
		} else {
			none(t, attempts)
			first.reply <- result{v: 1}
		}
		got := wait(t, res)
		if want := map[bool]int{true: 2, false: 1}[wantHedge]; got.v != want || got.err != nil {
			t.Fatalf("call %d: got %v, %v; want %d, nil", i, got.v, got.err, want)
		}
	}
	if got := stats(t, h); got.Hedges != 2 || got.Rejected != 1 || got.Calls != 3 {
		t.Fatalf("got %+v, want 2 hedges, 1 rejected, 3 calls", got)
	}
}

// HedgeOn: an error it accepts starts the next attempt at once (no
// delay); one it refuses is the call's result at once.
func TestHedgeOn(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: time.Hour, HedgeOn: func(err error) bool { return err == errA }})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	next(t, attempts).reply <- result{err: errA}
	second := next(t, attempts) // at once, the clock never moved
	errB := errors.New("error B")
	second.reply <- result{err: errB}
	if got := wait(t, res); got.err != errB {
		t.Fatalf("got %v, want error B", got.err)
	}
	_ = clock

	res = async(context.Background(), h, fn)
	next(t, attempts).reply <- result{err: errB}
	if got := wait(t, res); got.err != errB {
		t.Fatalf("got %v, want error B at once", got.err)
	}
	none(t, attempts)
	if got := stats(t, h); got.Failed != 2 || got.Hedges != 1 {
		t.Fatalf("got %+v, want 2 failed, 1 hedge", got)
	}
}

// Every attempt failed and none may start: the last error.
func TestAllFail(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	first := next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(10 * time.Millisecond)
	second := next(t, attempts)
	first.reply <- result{err: errA}
	errB := errors.New("error B")
	second.reply <- result{err: errB}
	if got := wait(t, res); got.err == nil {
		t.Fatal("got nil, want the last error")
	}
}

func TestDefaultHedgeOn(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errA, true},
		{context.Canceled, false},
		{context.DeadlineExceeded, false},
		{messages.ErrBulkheadFull, false},
		{messages.ErrStopped, false},
		{messages.ErrTimeout, true},
	} {
		if got := hedge.DefaultHedgeOn(c.err); got != c.want {
			t.Errorf("DefaultHedgeOn(%v): got %v, want %v", c.err, got, c.want)
		}
	}
}

// A caller who gives up gets ctx's error at once; the attempts are
// cancelled. A caller whose context had ended runs nothing.
func TestCallerGone(t *testing.T) {
	eng, _ := newEngine(t)
	h := newHedge(t, eng, hedge.Config{})
	fn, attempts := backend()
	ctx, cancel := context.WithCancel(context.Background())
	res := async(ctx, h, fn)
	a := next(t, attempts)
	cancel()
	if got := wait(t, res); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", got.err)
	}
	if !done(a.ctx) {
		t.Fatal("attempt not cancelled")
	}
	if got := wait(t, async(ctx, h, fn)); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", got.err)
	}
	none(t, attempts)
}

// After Shutdown: ErrStopped, nothing runs.
func TestStopped(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	h := newHedge(t, eng, hedge.Config{})
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	called := false
	_, err = hedge.Do(context.Background(), h, func(context.Context) (int, error) { called = true; return 1, nil })
	if !errors.Is(err, messages.ErrStopped) || called {
		t.Fatalf("got %v (called %v), want ErrStopped without calling", err, called)
	}
}

// A panic in the attempt whose outcome the call takes reaches the caller.
func TestPanic(t *testing.T) {
	h := newHedge(t, nil, hedge.Config{})
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
	}()
	_, _ = hedge.Do(context.Background(), h, func(context.Context) (int, error) { panic("boom") })
	t.Fatal("no panic")
}

func TestNilFunc(t *testing.T) {
	h := newHedge(t, nil, hedge.Config{})
	if _, err := hedge.Do[int](context.Background(), h, nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
}

// Events: hedge_started then hedge_won.
func TestEvents(t *testing.T) {
	eng, clock := newEngine(t)
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{hedge.Kind}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(10 * time.Millisecond)
	next(t, attempts).reply <- result{v: 2}
	wait(t, res)
	for _, want := range []eventstream.Type{hedge.EventHedgeStarted, hedge.EventHedgeWon} {
		select {
		case ev := <-sub.C():
			if ev.Type != want || ev.Fields.Attempt != 2 {
				t.Fatalf("got %v, want %s of attempt 2", ev, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}
}

// The adaptive delay: after a quarter window of successes it is their
// percentile.
func TestAdaptiveDelay(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: time.Second, Percentile: 50, Window: 16})
	for i := 1; i <= 4; i++ {
		if h.Delay() != time.Second {
			t.Fatalf("after %d calls: got delay %v, want 1s", i-1, h.Delay())
		}
		d := time.Duration(i) * 10 * time.Millisecond
		_, err := hedge.Do(context.Background(), h, func(context.Context) (int, error) { clock.Advance(d); return 1, nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := h.Delay(), 20*time.Millisecond; got != want {
		t.Fatalf("got delay %v, want %v (median of 10..40ms)", got, want)
	}
}

// In a chain the Hedge runs the stages below it once per attempt.
func TestInChain(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond})
	fn, attempts := backend()
	c := engine.Chain(engine.UsePolicy[int](hedge.For[int](h)))
	res := make(chan call, 1)
	go func() { v, err := c.Get(context.Background(), fn); res <- call{v, err} }()
	next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(10 * time.Millisecond)
	next(t, attempts).reply <- result{v: 7}
	if got := wait(t, res); got.v != 7 || got.err != nil {
		t.Fatalf("got %v, %v; want 7, nil", got.v, got.err)
	}
}

// Attempt tells each attempt which one it is.
func TestAttempt(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond, MaxHedges: 2, BudgetPercent: 1600})
	fn, attempts := backend()
	res := async(context.Background(), h, fn)
	got := []int{hedge.Attempt(next(t, attempts).ctx)}
	for i := 0; i < 2; i++ {
		armed(t, clock, 1)
		clock.Advance(10 * time.Millisecond)
		a := next(t, attempts)
		got = append(got, hedge.Attempt(a.ctx))
		if i == 1 {
			a.reply <- result{v: 1}
		}
	}
	wait(t, res)
	if got[0] != 0 || got[1] != 1 || got[2] != 2 || hedge.Attempt(context.Background()) != 0 {
		t.Fatalf("got attempts %v, want [0 1 2]", got)
	}
}

// After Shutdown, Stats still returns the counts, with ErrStopped.
func TestStatsAfterShutdown(t *testing.T) {
	eng, _ := newEngine(t)
	h := newHedge(t, eng, hedge.Config{})
	if _, err := hedge.Do(context.Background(), h, func(context.Context) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := h.Stats(context.Background())
	if !errors.Is(err, messages.ErrStopped) || st.Succeeded != 1 {
		t.Fatalf("Stats after Shutdown: got %+v, %v; want 1 success, ErrStopped", st, err)
	}
}
