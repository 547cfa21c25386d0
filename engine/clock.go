package engine

import (
	"context"
	"time"
)

// Clock is the engine's source of time. Every pattern reads time through it,
// so tests can drive time with a FakeClock instead of sleeping. RealClock is
// the default.
type Clock interface {
	// Now returns the current time, with a monotonic reading where the
	// implementation has one.
	Now() time.Time
	// Since returns the time elapsed since t.
	Since(t time.Time) time.Duration
	// NewTimer returns a timer that sends the time on C after d.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine (RealClock) or in the goroutine
	// that advances time (FakeClock) after d.
	AfterFunc(d time.Duration, f func()) Timer
	// NewTicker returns a ticker that sends the time on C every d; d must
	// be positive.
	NewTicker(d time.Duration) Ticker
}

// Timer is a single event in the future, as time.Timer.
type Timer interface {
	// C is the channel the time is sent on; nil for a timer made by
	// AfterFunc.
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it did.
	Stop() bool
	// Reset re-arms the timer to fire after d; it reports whether the timer
	// had been active.
	Reset(d time.Duration) bool
}

// Ticker delivers ticks at intervals, as time.Ticker.
type Ticker interface {
	// C is the channel ticks are sent on.
	C() <-chan time.Time
	// Stop turns the ticker off.
	Stop()
	// Reset changes the interval to d (positive) and restarts it.
	Reset(d time.Duration)
}

// Sleep waits for d on clock c, returning early with ctx.Err() if ctx ends
// first. A d of zero or less returns at once (nil unless ctx has ended).
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

// SleepUnless is Sleep that also gives up when stop is closed, returning
// what stopErr returns then (the error of a stopped instance, typically
// messages.ErrStopped): a waiter of an instance never outlives it.
func SleepUnless(ctx context.Context, c Clock, d time.Duration, stop <-chan struct{}, stopErr func() error) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return stopErr()
	}
}

// RealClock is the wall clock of package time. Its zero value is ready to use.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// Since returns time.Since(t).
func (RealClock) Since(t time.Time) time.Duration { return time.Since(t) }

// NewTimer wraps time.NewTimer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// AfterFunc wraps time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return realTimer{time.AfterFunc(d, f)} }

// NewTicker wraps time.NewTicker.
func (RealClock) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time   { return r.t.C }
func (r realTicker) Stop()                 { r.t.Stop() }
func (r realTicker) Reset(d time.Duration) { r.t.Reset(d) }
