package coalesce

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
)

// timing is a Group's clock, as its executions' contexts read it.
type timing struct {
	clock engine.Clock
	real  bool      // clock is engine.RealClock
	base  time.Time // what offsets count from: epoch, or the clock's time at New
}

// epoch anchors the real clock's monotonic readings.
var epoch = time.Now()

// realTiming is the real clock's timing, the same for every Group on it.
var realTiming = timing{clock: engine.RealClock{}, real: true, base: epoch}

// fakeValues carries, for an execution on another clock than the real one,
// the values of the context it was made from and its Group's timing, so
// that an execution on the real clock holds no timing of its own
// (realTiming).
type fakeValues struct {
	context.Context
	tm *timing
}

func newTiming(clock engine.Clock) timing {
	if _, real := clock.(engine.RealClock); real {
		return realTiming
	}
	return timing{clock: clock, base: clock.Now()}
}

// now returns the time since base. On the real clock it reads only the
// monotonic clock (time.Since), half the cost of time.Now.
func (t *timing) now() time.Duration {
	if t.real {
		return time.Since(epoch)
	}
	return t.clock.Now().Sub(t.base)
}

// execCtx is the context a shared execution runs under. It keeps the
// values of the context it was made from, none of its cancellation; its
// deadline is Config.Timeout after the start, on the Group's clock; and it
// is cancelled when the execution returns. The Done channel and the timer
// behind it are made only when something asks for Done (or derives a
// context that needs it), so a function that never waits on its context
// pays for neither. Until then Err compares the clock with the deadline.
//
// The context holds its flight's word, whose closed bit the execution
// sets when it returns (see flight), and its side, made by the first
// caller who waits or the first Done. The end and a first Done are
// Dekker's handshake on the word and the side's inner context: the end
// sets the bit, then cancels the inner context it finds; a first Done
// installs the inner context, then cancels it if it finds the bit set.
// One sees the other, so a Done made at any time is closed once the
// execution has returned.
type execCtx struct {
	// word is the flight's closed bit | the deadline, as an offset from
	// the timing's base (63 bits, two's complement).
	word   atomic.Uint64
	values context.Context // only for Value; never cancelled; a *fakeValues off the real clock
	side   atomic.Pointer[side]
}

// closedBit is the word's closed bit.
const closedBit = 1 << 63

// side is the part of an execution made only when asked for: the channel
// its waiting callers block on, and the context that carries its Done.
type side struct {
	wake chan struct{} // closed by the flight's wakeAll
	// inner is nil, then the context that carries Done once made (&ended
	// if the execution had returned by then).
	inner atomic.Pointer[doneCtx]
}

// doneCtx is the context that carries execCtx's Done channel once made.
type doneCtx struct {
	ctx    context.Context
	cancel func()
}

// ended stands for the inner context of an execution that had returned
// before anyone asked for its Done.
var ended = func() doneCtx {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return doneCtx{ctx, cancel}
}()

var _ context.Context = (*execCtx)(nil)

// start sets the deadline: timeout from now on tm.
func (c *execCtx) start(values context.Context, tm *timing, timeout time.Duration) {
	if !tm.real {
		values = &fakeValues{values, tm}
	}
	c.values = values
	c.word.Store(uint64(tm.now()+timeout) &^ closedBit)
}

// deadline returns the deadline, as an offset from the timing's base.
func (c *execCtx) deadline() time.Duration { return time.Duration(int64(c.word.Load()<<1) >> 1) }

// timing returns the timing c runs on.
func (c *execCtx) timing() *timing {
	if v, ok := c.values.(*fakeValues); ok {
		return v.tm
	}
	return &realTiming
}

// closed reports whether the execution has returned.
func (c *execCtx) closed() bool { return c.word.Load()&closedBit != 0 }

// makeSide returns c's side, making it if nobody has.
func (c *execCtx) makeSide() *side {
	s := &side{wake: make(chan struct{})}
	if c.side.CompareAndSwap(nil, s) {
		return s
	}
	return c.side.Load()
}

// inner returns the context that carries Done, or nil if none was made.
func (c *execCtx) inner() *doneCtx {
	if s := c.side.Load(); s != nil {
		return s.inner.Load()
	}
	return nil
}

func (c *execCtx) Deadline() (time.Time, bool) { return c.timing().base.Add(c.deadline()), true }

func (c *execCtx) Done() <-chan struct{} { return c.done().ctx.Done() }

func (c *execCtx) Err() error {
	if in := c.inner(); in != nil {
		// A first Done may install in after the end looked for it and
		// before it cancels in itself: the closed bit decides then.
		if err := in.ctx.Err(); err != nil || !c.closed() {
			return err
		}
		return context.Canceled
	}
	switch { // a Done made now would be closed at once if the execution has returned
	case c.closed():
		return context.Canceled
	case c.timing().now() >= c.deadline():
		return context.DeadlineExceeded
	}
	return nil
}

// Value returns the values of the context the execution was made from.
// Once Done was made it asks the inner context, which holds the same
// values, so contexts derived from c find their cancellation parent.
func (c *execCtx) Value(key any) any {
	if in := c.inner(); in != nil && in != &ended {
		return in.ctx.Value(key)
	}
	return c.values.Value(key)
}

// done returns the inner context, making it on the first call. Of two
// racing first calls one's context wins and the other's is cancelled.
func (c *execCtx) done() *doneCtx {
	s := c.side.Load()
	if s == nil {
		s = c.makeSide()
	}
	if in := s.inner.Load(); in != nil {
		return in
	}
	in := &ended
	if !c.closed() {
		in = c.make()
	}
	if !s.inner.CompareAndSwap(nil, in) {
		in.cancel() // another Done came first
		return s.inner.Load()
	}
	if in != &ended && c.closed() { // the end may have looked before in was there
		in.cancel()
	}
	return in
}

func (c *execCtx) make() *doneCtx {
	tm, dl := c.timing(), c.deadline()
	if tm.real {
		ctx, cancel := context.WithDeadline(c.values, tm.base.Add(dl))
		return &doneCtx{ctx, cancel}
	}
	at := tm.base.Add(dl)
	cctx, cancel := context.WithCancelCause(c.values)
	t := tm.clock.AfterFunc(dl-tm.now(), func() { cancel(context.DeadlineExceeded) })
	return &doneCtx{fakeDeadline{cctx, at}, func() { t.Stop(); cancel(nil) }}
}

// end cancels c; the closed bit of its word is set: the execution has
// returned.
func (c *execCtx) end() {
	if in := c.inner(); in != nil {
		in.cancel()
	}
}

// fakeDeadline reports a fake clock's deadline, and DeadlineExceeded once
// it has passed, as a real deadline would.
type fakeDeadline struct {
	context.Context
	at time.Time
}

func (d fakeDeadline) Deadline() (time.Time, bool) { return d.at, true }

func (d fakeDeadline) Err() error {
	if err := d.Context.Err(); err != nil && context.Cause(d.Context) == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return d.Context.Err()
}
