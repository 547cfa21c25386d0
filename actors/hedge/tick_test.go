package hedge_test

import (
	"context"
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
