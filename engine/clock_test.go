package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-c:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestFakeTimerFiresOnAdvanceNotBefore(t *testing.T) {
	c := engine.NewFakeClock(epoch)
	tm := c.NewTimer(time.Second)
	c.Advance(999 * time.Millisecond)
	if _, ok := fired(tm.C()); ok {
		t.Fatal("timer fired before its time")
	}
	c.Advance(time.Millisecond)
	at, ok := fired(tm.C())
	if !ok || !at.Equal(epoch.Add(time.Second)) {
		t.Fatalf("got %v, %v; want a tick at %v", at, ok, epoch.Add(time.Second))
	}
	if c.Timers() != 0 {
		t.Fatalf("armed timers after firing: got %d, want 0", c.Timers())
	}
}

func TestFakeTimersFireInDeadlineOrder(t *testing.T) {
	c := engine.NewFakeClock(epoch)
	var order []time.Duration
	for _, d := range []time.Duration{3 * time.Second, time.Second, 2 * time.Second} {
		d := d
		c.AfterFunc(d, func() {
			if got := c.Now().Sub(epoch); got != d {
				t.Errorf("callback for %v ran at %v", d, got)
			}
			order = append(order, d)
		})
	}
	c.Advance(10 * time.Second)
	want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}
	if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("got %v, want %v", order, want)
	}
	if got := c.Now(); !got.Equal(epoch.Add(10 * time.Second)) {
		t.Fatalf("Now after Advance: got %v", got)
	}
}

func TestFakeTimerStopAndReset(t *testing.T) {
	c := engine.NewFakeClock(epoch)
	tm := c.NewTimer(time.Second)
	if !tm.Stop() {
		t.Fatal("Stop of an armed timer: want true")
	}
	if tm.Stop() {
		t.Fatal("second Stop: want false")
	}
	c.Advance(2 * time.Second)
	if _, ok := fired(tm.C()); ok {
		t.Fatal("a stopped timer fired")
	}
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a stopped timer: want false")
	}
	c.Advance(time.Second)
	if _, ok := fired(tm.C()); !ok {
		t.Fatal("a reset timer did not fire")
	}
}

func TestFakeTickerTicksEveryPeriod(t *testing.T) {
	c := engine.NewFakeClock(epoch)
	tk := c.NewTicker(time.Second)
	defer tk.Stop()
	for i := 1; i <= 3; i++ {
		c.Advance(time.Second)
		at, ok := fired(tk.C())
		if !ok || !at.Equal(epoch.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("tick %d: got %v, %v", i, at, ok)
		}
	}
	tk.Stop()
	c.Advance(time.Second)
	if _, ok := fired(tk.C()); ok {
		t.Fatal("a stopped ticker ticked")
	}
}

func TestSleepOnFakeClock(t *testing.T) {
	c := engine.NewFakeClock(epoch)
	done := make(chan error, 1)
	go func() { done <- engine.Sleep(context.Background(), c, time.Minute) }()
	if err := c.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		t.Fatal("Sleep returned before the clock moved")
	default:
	}
	c.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatalf("Sleep: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- engine.Sleep(ctx, c, time.Minute) }()
	if err := c.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Sleep: got %v", err)
	}
	if c.Timers() != 0 {
		t.Fatalf("cancelled Sleep left %d timers armed", c.Timers())
	}
}

func TestRealClockSleepZero(t *testing.T) {
	if err := engine.Sleep(context.Background(), engine.RealClock{}, 0); err != nil {
		t.Fatal(err)
	}
	if d := (engine.RealClock{}).Since(time.Now().Add(-time.Second)); d < time.Second {
		t.Fatalf("Since: got %v", d)
	}
}
