package hedge

import (
	"context"
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

// runFirst is the first attempt's goroutine (a go statement that passes
// only cl allocates the least).
func (cl *call[T, C]) runFirst() { cl.run(&cl.ctx, &cl.first) }

// run is an attempt's goroutine: it runs c under ctx (the attempts'
// context, with the attempt number for a hedge), fills o and sends its
// number. It times the attempt only when its time is used: by a hedge
// (hedge_won's Elapsed), or for the adaptive delay.
func (cl *call[T, C]) run(ctx context.Context, o *outcome[T]) {
	o.panicked = true
	timed := o.attempt > 0 || cl.h.lat != nil
	var t0 time.Time
	if timed {
		t0 = cl.h.clock.Now()
	}
	defer func() {
		if o.panicked {
			o.pv = recover()
		}
		if timed {
			o.elapsed = cl.h.clock.Since(t0)
		}
		cl.ch <- o.attempt
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

// tick is what a call's ticker puts on the call's channel when the delay
// has passed (attempt numbers are below LargestMaxHedges+1).
const tick uint8 = 255

// ticker is a call's channel with its delay timer: the attempts put their
// numbers on ch, and the timer, a func timer (no channel of its own, so
// the call waits on one channel), puts tick there after the delay. A call
// arms the timer at most 1 + MaxHedges times and takes at most as many
// outcomes, so ch's room for twice that means no send on it blocks.
//
// On the real clock a Hedge keeps its tickers for other calls (see
// release): one is reused only when nothing can send on its channel any
// more, so a call never sees another's outcome or tick.
type ticker struct {
	ch   chan uint8
	real *time.Timer
	fake engine.Timer
	// fired counts the arms that fired (their callback ran or will run),
	// ticks the ticks taken off ch; the caller alone uses them.
	fired, ticks int
}

func (t *ticker) fire() {
	select {
	case t.ch <- tick:
	default: // never: see ticker
	}
}

// ticker returns a ticker whose timer ticks after d.
func (h *Hedge) ticker(d time.Duration) *ticker {
	if h.fake {
		t := &ticker{ch: make(chan uint8, 2*(1+h.cfg.MaxHedges))}
		t.fake = h.clock.AfterFunc(d, t.fire)
		return t
	}
	if t, ok := h.tickers.Get().(*ticker); ok {
		t.real.Reset(d)
		return t
	}
	t := &ticker{ch: make(chan uint8, 2*(1+h.cfg.MaxHedges))}
	t.real = time.AfterFunc(d, t.fire)
	return t
}

// took notes a tick taken off t.ch.
func (t *ticker) took() { t.ticks++ }

// reset re-arms t to tick after d from now, in place of a tick still due.
func (t *ticker) reset(d time.Duration) {
	var active bool
	if t.real != nil {
		active = t.real.Reset(d)
	} else {
		active = t.fake.Reset(d)
	}
	if !active {
		t.fired++
	}
}

// release stops t once its call has returned; idle says no attempt of the
// call is still running. On the real clock t is kept for another call
// when nothing can send on its channel any more: no attempt running, and
// every arm stopped before it fired or its tick taken.
func (h *Hedge) release(t *ticker, idle bool) {
	if t.real == nil {
		t.fake.Stop()
		return
	}
	if !t.real.Stop() {
		t.fired++
	}
	if idle && t.fired == t.ticks && len(t.ch) == 0 {
		t.fired, t.ticks = 0, 0
		h.tickers.Put(t)
	}
}
