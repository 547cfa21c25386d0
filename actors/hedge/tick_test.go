package hedge_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/hedge"
)

// A call whose timer found the budget empty still hedges on its delay
// once a failure's hedge has started and the budget has refilled: the
// timer is watched again after every hedge.
func TestHedgeTimerAfterRejectedTick(t *testing.T) {
	eng, clock := newEngine(t)
	h := newHedge(t, eng, hedge.Config{Delay: 10 * time.Millisecond, MaxHedges: 2, BudgetBurst: 1, BudgetPercent: 50})
	quick := func(context.Context) (int, error) { return 1, nil }
	fn, attempts := backend()

	b := async(context.Background(), h, fn) // spends the budget
	next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(10 * time.Millisecond)
	next(t, attempts).reply <- result{v: 1}
	wait(t, b)

	a := async(context.Background(), h, fn) // budget 0.5: its first tick is rejected
	first := next(t, attempts)
	armed(t, clock, 1)
	clock.Advance(10 * time.Millisecond)
	for deadline := time.Now().Add(5 * time.Second); stats(t, h).Rejected != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("got %+v, want 1 rejected", stats(t, h))
		}
	}
	if _, err := hedge.Do(context.Background(), h, quick); err != nil { // budget 1
		t.Fatal(err)
	}
	first.reply <- result{err: errA} // a hedge at once: budget 0
	next(t, attempts)
	for i := 0; i < 2; i++ { // budget 1
		if _, err := hedge.Do(context.Background(), h, quick); err != nil {
			t.Fatal(err)
		}
	}
	armed(t, clock, 1)
	clock.Advance(10 * time.Millisecond)
	third := next(t, attempts)
	third.reply <- result{v: 3}
	if got := wait(t, a); got.v != 3 || got.err != nil {
		t.Fatalf("got %v, %v; want 3 from the third attempt", got.v, got.err)
	}
}

// On the real clock a call's channel is kept for another call only when
// nothing can send on it any more: a call whose losing attempt answers
// after it returned leaves its channel to that attempt, and the next call
// gets only its own outcome. (Keeping the channel of a call with an
// attempt still running hands the next call that attempt's number before
// its own attempt has answered: a wrong result, and a race.)
func TestLoserOutcomeNotSeenByNextCall(t *testing.T) {
	h := newHedge(t, nil, hedge.Config{Delay: time.Millisecond, BudgetPercent: 100})
	for range 20 {
		base := runtime.NumGoroutine()
		slow := make(chan struct{})
		loses := func(ctx context.Context) (int, error) {
			if hedge.Attempt(ctx) == 0 {
				<-slow // answers once the hedge has won
				return 99, nil
			}
			return 1, nil
		}
		if v, err := hedge.Do(context.Background(), h, loses); v != 1 || err != nil {
			t.Fatalf("got %v, %v; want the hedge's 1", v, err)
		}
		close(slow)
		// the loser has sent its outcome once its goroutine is gone
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > base; runtime.Gosched() {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines, want %d", runtime.NumGoroutine(), base)
			}
		}
		seven := func(context.Context) (int, error) { return 7, nil }
		if v, err := hedge.Do(context.Background(), h, seven); v != 7 || err != nil {
			t.Fatalf("the next call got %v, %v; want its own 7", v, err)
		}
	}
}
