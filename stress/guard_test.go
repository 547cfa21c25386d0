package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// errBackend is the failure the test's function returns.
var errBackend = errors.New("stress: backend failed")

// call is one kind of call in the mix.
type call uint8

const (
	callSuccess   call = iota // returns nil at once
	callFailure               // returns errBackend
	callPanic                 // panics (the worker recovers)
	callSlow                  // yields a few times before returning nil
	callCancelled             // arrives with a context already cancelled
	callGiveUp                // arrives with a context that ends in 50 µs
)

// pick draws a call from the mix: 55 % successes, 15 % failures, 5 %
// panics, 15 % slow, 5 % cancelled, 5 % giving up while they wait.
func pick(rng *rand.Rand) call {
	switch n := rng.IntN(100); {
	case n < 55:
		return callSuccess
	case n < 70:
		return callFailure
	case n < 75:
		return callPanic
	case n < 90:
		return callSlow
	case n < 95:
		return callCancelled
	default:
		return callGiveUp
	}
}

// cancelled is a context that has ended.
var cancelled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// run makes one call of kind c through do (Execute, or engine.Run on a
// guard), recovering the panic it injects; fn is what the pattern admits.
func run(c call, do func(ctx context.Context, fn func(context.Context) error) error, fn func(context.Context) error) (err error, panicked bool) {
	ctx := context.Background()
	switch c {
	case callCancelled:
		ctx = cancelled
	case callGiveUp:
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 50*time.Microsecond)
		defer cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			if v != "stress: injected" {
				panic(v)
			}
			panicked = true
		}
	}()
	return do(ctx, fn), false
}

// body is the function a pattern admits for call kind c.
func body(c call) func(context.Context) error {
	switch c {
	case callFailure:
		return func(context.Context) error { return errBackend }
	case callPanic:
		return func(context.Context) error { panic("stress: injected") }
	case callSlow:
		return func(context.Context) error {
			for i := 0; i < 4; i++ {
				runtime.Gosched()
			}
			return nil
		}
	case callCancelled, callGiveUp:
		return func(ctx context.Context) error { return ctx.Err() }
	}
	return func(context.Context) error { return nil }
}

// countingGuard wraps a Guard and counts its grants and releases.
type countingGuard struct {
	g                 engine.Guard
	granted, released atomic.Int64
	rejected, ctxErr  atomic.Int64
	other             atomic.Int64
	reject            error // the pattern's sentinel
}

func (c *countingGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	p, err := c.g.Acquire(ctx)
	switch {
	case err == nil:
		c.granted.Add(1)
	case errors.Is(err, c.reject):
		c.rejected.Add(1)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		c.ctxErr.Add(1)
	default:
		c.other.Add(1)
	}
	return p, err
}

func (c *countingGuard) Release(p engine.Permit, o messages.Outcome) {
	c.released.Add(1)
	c.g.Release(p, o)
}

// guardCase describes a concurrency guard for hammerGuard.
type guardCase struct {
	guard  engine.Guard
	reject error // sentinel of a rejection
	// limit is the most calls that may hold a permit at once (read at
	// every admission: an adaptive limit's ceiling).
	limit func() int
	// probe, run after the hammer, acquires as many permits as the guard
	// has and one more, releasing them all; it reports how many it got.
	probe func(ctx context.Context) (got int, want int)
}

// guardReport is what hammerGuard counted.
type guardReport struct {
	res                          closedloop.Result
	granted, released, rejected  int64
	ctxErr, panics, peak, breach int64
}

func (r guardReport) String() string {
	return fmt.Sprintf("granted=%d released=%d rejected=%d ctx=%d panics=%d peak-in-flight=%d over-limit=%d",
		r.granted, r.released, r.rejected, r.ctxErr, r.panics, r.peak, r.breach)
}

// guardLoad is the call mix against one guard: its per-goroutine
// operation and the counters it keeps. The admitted function holds an
// atomic gauge of the calls in flight, checked against the limit at every
// admission.
type guardLoad struct {
	gc             guardCase
	cg             *countingGuard
	g              gauge
	breach, panics atomic.Int64
	onBreach       func(n, lim int64)
}

func newGuardLoad(gc guardCase, onBreach func(n, lim int64)) *guardLoad {
	return &guardLoad{gc: gc, cg: &countingGuard{g: gc.guard, reject: gc.reject}, onBreach: onBreach}
}

func (l *guardLoad) do(ctx context.Context, fn func(context.Context) error) error {
	return engine.Run(ctx, l.cg, nil, fn)
}

// newOp returns worker w's operation: one call of the mix.
func (l *guardLoad) newOp(w int) func() {
	rng := rand.New(rand.NewPCG(uint64(w), 3))
	return func() {
		c := pick(rng)
		inner := body(c)
		_, p := run(c, l.do, func(ctx context.Context) error {
			if n, lim := l.g.enter(), int64(l.gc.limit()); n > lim {
				l.breach.Add(1)
				l.onBreach(n, lim)
			}
			defer l.g.leave()
			return inner(ctx)
		})
		if p {
			l.panics.Add(1)
		}
	}
}

func (l *guardLoad) report(res closedloop.Result) guardReport {
	return guardReport{res: res, granted: l.cg.granted.Load(), released: l.cg.released.Load(),
		rejected: l.cg.rejected.Load(), ctxErr: l.cg.ctxErr.Load(), panics: l.panics.Load(),
		peak: l.g.peak.Load(), breach: l.breach.Load()}
}

// soak returns the load as a soak part's operation and check: between
// rounds nothing is in flight, so grants must equal releases exactly.
func (l *guardLoad) soak() (func(int) func(), func() (string, error)) {
	return l.newOp, func() (string, error) {
		rep := l.report(closedloop.Result{})
		switch {
		case rep.breach != 0:
			return rep.String(), fmt.Errorf("in flight above the limit %d times", rep.breach)
		case rep.granted != rep.released:
			return rep.String(), fmt.Errorf("granted %d, released %d", rep.granted, rep.released)
		case l.cg.other.Load() != 0:
			return rep.String(), fmt.Errorf("%d unexpected Acquire errors", l.cg.other.Load())
		}
		return rep.String(), nil
	}
}

// hammerGuard runs the call mix from callers() goroutines against one
// guard, checking at every admission that the calls in flight (an atomic
// gauge inside the admitted function) never exceed the limit, and at the
// end that every grant was released exactly once and every permit is back
// (the probe gets exactly the guard's capacity, and not one more).
func hammerGuard(t *testing.T, gc guardCase) guardReport {
	t.Helper()
	var reported atomic.Int64
	l := newGuardLoad(gc, func(n, lim int64) {
		if reported.Add(1) <= 3 {
			t.Errorf("in flight %d > limit %d", n, lim)
		}
	})
	cg := l.cg
	res := closedloop.Run(closedloop.Config{Goroutines: callers(), Calls: rounds()}, l.newOp)
	rep := l.report(res)
	if rep.granted != rep.released {
		t.Errorf("granted %d, released %d: want every grant released exactly once", rep.granted, rep.released)
	}
	if n := cg.other.Load(); n != 0 {
		t.Errorf("%d Acquires failed with an unexpected error", n)
	}
	if rep.granted+rep.rejected+rep.ctxErr != int64(res.Calls) {
		t.Errorf("granted %d + rejected %d + ctx %d = %d, want %d calls",
			rep.granted, rep.rejected, rep.ctxErr, rep.granted+rep.rejected+rep.ctxErr, res.Calls)
	}
	if rep.granted == 0 || rep.panics == 0 {
		t.Errorf("the mix did not run: %v", rep)
	}
	if gc.probe != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if got, want := gc.probe(ctx); got != want {
			t.Errorf("after the hammer: got %d permits at once, want exactly %d", got, want)
		}
	}
	t.Logf("%v | %v", &res, rep)
	return rep
}

// probeGuard acquires permits from g until one is refused (each Acquire
// may wait up to wait; 0: under ctx alone, for a guard that never waits),
// releases them all, and returns how many it got.
func probeGuard(ctx context.Context, g engine.Guard, wait time.Duration, most int) int {
	var held []engine.Permit
	for len(held) <= most {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if wait > 0 {
			actx, cancel = context.WithTimeout(ctx, wait)
		}
		p, err := g.Acquire(actx)
		cancel()
		if err != nil {
			break
		}
		held = append(held, p)
	}
	for _, p := range held {
		g.Release(p, messages.Success)
	}
	return len(held)
}
