package hedge

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
)

// call is one hedged call: what its attempts share. It is allocated once
// a call; the first attempt's outcome lives in it, the hedges' in a slice
// made when the first hedge starts.
type call[T any, C caller[T]] struct {
	h      *Hedge
	c      C
	ctx    attemptsCtx
	ch     chan uint8 // the attempt numbers of the outcomes in; one send per attempt, never blocking
	first  outcome[T]
	hedges []outcome[T]
}

// outcome returns attempt i's outcome. Attempt i writes it before it
// sends i on ch; the caller reads it after receiving i.
func (cl *call[T, C]) outcome(i uint8) *outcome[T] {
	if i == 0 {
		return &cl.first
	}
	return &cl.hedges[i-1]
}

// run is an attempt's goroutine: it runs c under ctx (the attempts'
// context, with the attempt number for a hedge), fills o and sends its
// number.
func (cl *call[T, C]) run(ctx context.Context, o *outcome[T]) {
	o.panicked = true
	t0 := cl.h.clock.Now()
	defer func() {
		if o.panicked {
			o.pv = recover()
		}
		o.elapsed = cl.h.clock.Since(t0)
		cl.ch <- uint8(o.attempt)
	}()
	o.v, o.err = cl.c.Call(ctx)
	o.panicked = false
}

// attemptsCtx is the attempts' context: the caller's, cancelled when the
// call returns (the attempts still running lose). Its Done channel is made
// only when an attempt asks for Done (or derives a context that needs
// it), so a call whose attempts never wait on their context pays for no
// cancelCtx; until then Err is the caller's, or Canceled once cancelled.
type attemptsCtx struct {
	context.Context // the caller's: Deadline, and Value until Done is made
	// inner is nil, then the cancelCtx that carries Done once made, or
	// &cancelledEarly if the call returned before anyone asked for Done.
	inner atomic.Pointer[cancelPair]
}

type cancelPair struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// cancelledEarly stands for an attempts' context cancelled before anyone
// asked for its Done.
var cancelledEarly = func() cancelPair {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return cancelPair{ctx, cancel}
}()

func (a *attemptsCtx) Done() <-chan struct{} {
	in := a.inner.Load()
	if in == nil {
		ctx, cancel := context.WithCancel(a.Context)
		in = &cancelPair{ctx, cancel}
		if !a.inner.CompareAndSwap(nil, in) {
			cancel() // another Done, or the cancel, came first
			in = a.inner.Load()
		}
	}
	return in.ctx.Done()
}

func (a *attemptsCtx) Err() error {
	switch in := a.inner.Load(); in {
	case nil:
		return a.Context.Err()
	case &cancelledEarly:
		if err := a.Context.Err(); err != nil {
			return err
		}
		return context.Canceled
	default:
		return in.ctx.Err()
	}
}

// Value asks the inner context once made, which holds the same values,
// so that contexts derived from a find their cancellation parent.
func (a *attemptsCtx) Value(key any) any {
	if in := a.inner.Load(); in != nil && in != &cancelledEarly {
		return in.ctx.Value(key)
	}
	return a.Context.Value(key)
}

// cancel ends the attempts' context: the call has returned.
func (a *attemptsCtx) cancel() {
	if !a.inner.CompareAndSwap(nil, &cancelledEarly) {
		a.inner.Load().cancel()
	}
}

// timers reuses the real clock's timers between calls: a stopped
// time.Timer sends nothing stale (Go 1.23), so a Reset one is as new.
var timers sync.Pool

// timer is a call's delay timer: a pooled time.Timer on the real clock,
// the clock's own on any other.
type timer struct {
	real *time.Timer
	fake engine.Timer
}

func newTimer(clock engine.Clock, d time.Duration) timer {
	if _, ok := clock.(engine.RealClock); !ok {
		return timer{fake: clock.NewTimer(d)}
	}
	if t, ok := timers.Get().(*time.Timer); ok {
		t.Reset(d)
		return timer{real: t}
	}
	return timer{real: time.NewTimer(d)}
}

func (t timer) C() <-chan time.Time {
	if t.real != nil {
		return t.real.C
	}
	return t.fake.C()
}

func (t timer) Reset(d time.Duration) {
	if t.real != nil {
		t.real.Reset(d)
		return
	}
	t.fake.Reset(d)
}

// release stops t and, on the real clock, keeps it for another call.
func (t timer) release() {
	if t.real != nil {
		t.real.Stop()
		timers.Put(t.real)
		return
	}
	t.fake.Stop()
}
