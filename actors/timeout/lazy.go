package timeout

import (
	"context"
	"sync/atomic"
	"time"
)

// lazyCtx is the context a cooperative call receives. It arms no timer
// until the function asks for Done: a function that never waits on its
// context (most fast calls) costs one small allocation and no timer. Err
// and Deadline answer from the clock; Done (and Value, once Done was asked
// for) come from a real derived context made on first use.
type lazyCtx struct {
	parent context.Context
	l      *limiter
	at     time.Time
	inner  atomic.Pointer[derived]
}

type derived struct {
	ctx    context.Context
	cancel func()
}

// released stands for a call that has returned: its context is cancelled,
// as context.WithTimeout's cancel would leave it.
var released = func() *derived {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return &derived{ctx: ctx, cancel: func() {}}
}()

func (c *lazyCtx) get() *derived {
	if d := c.inner.Load(); d != nil {
		return d
	}
	ctx, cancel := c.l.derive(c.parent, c.at)
	d := &derived{ctx: ctx, cancel: cancel}
	if c.inner.CompareAndSwap(nil, d) {
		return d
	}
	cancel()
	return c.inner.Load()
}

// Deadline returns the earlier of ours and the parent's.
func (c *lazyCtx) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.at) {
		return d, true
	}
	return c.at, true
}

// Done makes the derived context on first use.
func (c *lazyCtx) Done() <-chan struct{} { return c.get().ctx.Done() }

// Err reports DeadlineExceeded once the limit has passed, as a deadline
// context would.
func (c *lazyCtx) Err() error {
	if d := c.inner.Load(); d != nil {
		return d.ctx.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !c.l.clock.Now().Before(c.at) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value looks in the derived context once made (so context.Cause works),
// else in the parent. After a call that never asked for Done has
// returned, the parent's values stay visible: released answers only the
// standard library's own lookup of its cancelled context (so Cause reports
// Canceled), and every other key goes to the parent.
func (c *lazyCtx) Value(key any) any {
	if d := c.inner.Load(); d == released {
		if v := released.ctx.Value(key); v != nil {
			return v
		}
	} else if d != nil {
		return d.ctx.Value(key)
	}
	return c.parent.Value(key)
}

// fired reports whether our limit ended the call.
func (c *lazyCtx) fired() bool {
	if d := c.inner.Load(); d != nil {
		return c.l.fired(d.ctx)
	}
	return c.parent.Err() == nil && !c.l.clock.Now().Before(c.at)
}

// release ends the context when the call returns.
func (c *lazyCtx) release() {
	if c.inner.CompareAndSwap(nil, released) {
		return
	}
	c.inner.Load().cancel()
}
