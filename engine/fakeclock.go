package engine

import (
	"context"
	"sort"
	"time"
)

// FakeClock is a Clock whose time moves only when a test calls Advance or
// Set. Timers, AfterFunc callbacks and tickers fire during Advance, in
// deadline order, never before their time. It is safe for concurrent use.
//
// A test that must wait until the code under test has armed a timer calls
// WaitForTimers instead of sleeping.
type FakeClock struct {
	// token is held (a value received) by whoever reads or writes the
	// fields below; it is test infrastructure, not actor state.
	token   chan struct{}
	now     time.Time
	timers  []*fakeTimer
	changed chan struct{} // closed and replaced whenever timers change
}

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock {
	f := &FakeClock{token: make(chan struct{}, 1), now: start, changed: make(chan struct{})}
	f.token <- struct{}{}
	return f
}

func (f *FakeClock) lock()   { <-f.token }
func (f *FakeClock) unlock() { f.token <- struct{}{} }

// Now returns the fake time.
func (f *FakeClock) Now() time.Time {
	f.lock()
	defer f.unlock()
	return f.now
}

// Since returns Now().Sub(t).
func (f *FakeClock) Since(t time.Time) time.Duration { return f.Now().Sub(t) }

// NewTimer returns a timer that fires when the fake time reaches now+d.
func (f *FakeClock) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{clock: f, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// AfterFunc calls fn, in the goroutine that calls Advance, when the fake time
// reaches now+d.
func (f *FakeClock) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{clock: f, fn: fn}
	t.Reset(d)
	return t
}

// NewTicker returns a ticker that fires every d of fake time.
func (f *FakeClock) NewTicker(d time.Duration) Ticker {
	t := &fakeTimer{clock: f, ch: make(chan time.Time, 1), period: d}
	t.Reset(d)
	return fakeTicker{t}
}

// Timers returns how many timers and tickers are armed.
func (f *FakeClock) Timers() int {
	f.lock()
	defer f.unlock()
	return len(f.timers)
}

// WaitForTimers blocks until at least n timers are armed or ctx ends.
func (f *FakeClock) WaitForTimers(ctx context.Context, n int) error {
	for {
		f.lock()
		armed, changed := len(f.timers), f.changed
		f.unlock()
		if armed >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Advance moves the fake time forward by d, firing every timer that falls
// due, in order, with the clock reading each timer's deadline as it fires.
func (f *FakeClock) Advance(d time.Duration) {
	f.lock()
	target := f.now.Add(d)
	f.unlock()
	f.Set(target)
}

// Set moves the fake time to t (never backwards), firing due timers as
// Advance does.
func (f *FakeClock) Set(t time.Time) {
	for {
		f.lock()
		if len(f.timers) == 0 || f.timers[0].when.After(t) {
			if t.After(f.now) {
				f.now = t
			}
			f.unlock()
			return
		}
		next := f.timers[0]
		f.removeLocked(next)
		if next.when.After(f.now) {
			f.now = next.when
		}
		now := f.now
		if next.period > 0 {
			next.when = next.when.Add(next.period)
			f.addLocked(next)
		}
		f.unlock()
		next.fire(now)
	}
}

func (f *FakeClock) addLocked(t *fakeTimer) {
	i := sort.Search(len(f.timers), func(i int) bool { return f.timers[i].when.After(t.when) })
	f.timers = append(f.timers, nil)
	copy(f.timers[i+1:], f.timers[i:])
	f.timers[i] = t
	t.armed = true
	f.notifyLocked()
}

func (f *FakeClock) removeLocked(t *fakeTimer) bool {
	if !t.armed {
		return false
	}
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			break
		}
	}
	t.armed = false
	f.notifyLocked()
	return true
}

func (f *FakeClock) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

type fakeTimer struct {
	clock  *FakeClock
	ch     chan time.Time
	fn     func()
	period time.Duration
	when   time.Time // guarded by clock.token
	armed  bool      // guarded by clock.token
}

func (t *fakeTimer) fire(now time.Time) {
	if t.fn != nil {
		t.fn()
		return
	}
	select {
	case t.ch <- now:
	default: // as time.Ticker: a slow reader misses ticks
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Stop() bool {
	t.clock.lock()
	defer t.clock.unlock()
	return t.clock.removeLocked(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	f := t.clock
	f.lock()
	was := f.removeLocked(t)
	t.when = f.now.Add(d)
	f.addLocked(t)
	f.unlock()
	if d <= 0 && t.period == 0 {
		f.Set(f.Now()) // due already: fire now, as the real clock would
	}
	return was
}

type fakeTicker struct{ t *fakeTimer }

func (k fakeTicker) C() <-chan time.Time { return k.t.ch }
func (k fakeTicker) Stop()               { k.t.Stop() }
func (k fakeTicker) Reset(d time.Duration) {
	k.t.clock.lock()
	k.t.period = d
	k.t.clock.unlock()
	k.t.Reset(d)
}
