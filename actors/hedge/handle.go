package hedge

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Hedge runs a call and, when it is slow, more attempts of it beside the
// first; the first success wins. It is safe for concurrent use and has no
// goroutine of its own: each call's attempts run in goroutines of their
// own (see the package doc for when they end).
type Hedge struct {
	name   string
	eng    *engine.Engine
	clock  engine.Clock
	cfg    Config
	limit  int64        // the budget's cap, in hundredths of a hedge
	budget atomic.Int64 // see state.go
	delay  atomic.Int64 // the adaptive delay in force, in nanoseconds
	lat    []atomic.Int64
	seen   atomic.Uint64 // latencies recorded
	stats  *tally.Set    // see stats.go
	fake   bool          // clock is not engine.RealClock
	// tickers keeps the real clock's tickers, each with its channel (its
	// room depends on MaxHedges), for other calls (see ticker).
	tickers sync.Pool
}

// New returns a Hedge named name. eng may be nil: then no events are
// published, the real clock is used and the Hedge never stops.
func New(eng *engine.Engine, name string, cfg Config) (*Hedge, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	h := &Hedge{name: name, eng: eng, clock: engine.RealClock{}, cfg: cfg, stats: tally.New(),
		limit: int64(cfg.BudgetBurst) * 100}
	if eng != nil {
		h.clock = eng.Clock()
	}
	_, real := h.clock.(engine.RealClock)
	h.fake = !real
	h.budget.Store(h.limit)
	h.delay.Store(int64(cfg.Delay))
	if cfg.Percentile > 0 {
		h.lat = make([]atomic.Int64, cfg.Window)
	}
	return h, nil
}

// Config returns the configuration in force.
func (h *Hedge) Config() Config { return h.cfg }

// Name returns h's name.
func (h *Hedge) Name() string { return h.name }

// Delay returns the wait before the next hedge now: Config.Delay, or the
// adaptive percentile once enough latencies were seen.
func (h *Hedge) Delay() time.Duration { return time.Duration(h.delay.Load()) }

// Do runs fn under h and returns the first successful attempt's result
// (see the package doc). A nil fn is an error wrapping
// messages.ErrInvalidConfig; after the engine's Shutdown it returns
// messages.ErrStopped without calling fn.
func Do[T any](ctx context.Context, h *Hedge, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
	}
	return run(ctx, h, fnCall[T](fn))
}

// Policy is a Hedge as an engine.Policy[T]: the rest of the chain below
// it is what each attempt runs.
type Policy[T any] struct{ h *Hedge }

var _ engine.Policy[int] = Policy[int]{}

// For returns h as an engine.Policy[T].
func For[T any](h *Hedge) Policy[T] { return Policy[T]{h: h} }

// Apply implements engine.Policy.
func (p Policy[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	return run(ctx, p.h, next)
}

type attemptKey struct{}

// Attempt returns which attempt of a hedged call ctx belongs to: 0 for the
// first, 1 for the first hedge, and so on; 0 for a context no Hedge made.
func Attempt(ctx context.Context) int {
	i, _ := ctx.Value(attemptKey{}).(int)
	return i
}

type caller[T any] interface {
	Call(context.Context) (T, error)
}

type fnCall[T any] func(context.Context) (T, error)

func (f fnCall[T]) Call(ctx context.Context) (T, error) { return f(ctx) }

// outcome is one attempt's end.
type outcome[T any] struct {
	v        T
	err      error
	pv       any
	elapsed  time.Duration // measured only when used (see call.run)
	attempt  uint8         // 0 is the first
	panicked bool
}

// run is Do and Apply.
func run[T any, C caller[T]](ctx context.Context, h *Hedge, c C) (T, error) {
	var zero T
	if h.eng.Stopped() {
		return zero, messages.ErrStopped
	}
	if err := ctx.Err(); err != nil { // the caller has gone: nothing runs
		h.count(cFailed)
		return zero, err
	}
	h.creditCall()
	tk := h.ticker(h.Delay())
	cl := &call[T, C]{h: h, c: c, ch: tk.ch}
	cl.ctx.Context = ctx
	launched, running := 1, 1
	defer func() {
		cl.ctx.cancel() // the attempts still running lose
		h.release(tk, running == 0)
	}()
	go cl.runFirst()
	due := true // a tick is due: more hedges may start on the delay
	gone := ctx.Done()
	var last *outcome[T]
	for {
		var i uint8
		if gone == nil {
			i = <-cl.ch
		} else {
			select {
			case i = <-cl.ch:
			case <-gone:
				h.count(cFailed)
				var lastErr error
				if last != nil {
					lastErr = last.err
				}
				return zero, engine.CallerGone(ctx, lastErr)
			}
		}
		if i == tick {
			tk.took()
			if !due { // a tick the re-arm after a failure's hedge did not stop
				continue
			}
			if due = cl.hedge(launched); due { // else no more hedges: wait for those running
				launched++
				running++
				tk.reset(h.Delay())
			}
			continue
		}
		o := cl.outcome(i)
		running--
		if o.panicked {
			h.count(cFailed)
			panic(o.pv)
		}
		if ctx.Err() != nil {
			h.count(cFailed)
			return zero, engine.CallerGone(ctx, o.err)
		}
		if o.err == nil {
			h.won(int(o.attempt), o.elapsed)
			return o.v, nil
		}
		last = o
		if !h.cfg.HedgeOn(o.err) {
			h.count(cFailed)
			return o.v, o.err
		}
		if cl.hedge(launched) {
			launched++
			running++
			tk.reset(h.Delay())
			due = true
		} else if running == 0 {
			h.count(cFailed)
			return last.v, last.err
		}
	}
}

// hedge starts attempt i (launched so far) if one is left and the budget
// grants it; it reports whether it did.
func (cl *call[T, C]) hedge(i int) bool {
	h := cl.h
	if i > h.cfg.MaxHedges || h.eng.Stopped() {
		return false
	}
	if !h.takeHedge() {
		h.count(cRejected)
		return false
	}
	h.count(cHedges)
	h.publish(EventHedgeStarted, eventstream.Fields{Attempt: i + 1, MaxAttempts: 1 + h.cfg.MaxHedges})
	if cl.hedges == nil {
		cl.hedges = make([]outcome[T], h.cfg.MaxHedges)
	}
	o := &cl.hedges[i-1]
	o.attempt = uint8(i)
	go cl.run(context.WithValue(&cl.ctx, attemptKey{}, i), o)
	return true
}

// won counts a success, records its latency and says which attempt won.
func (h *Hedge) won(i int, elapsed time.Duration) {
	line := h.stats.Pick()
	line.Add(cSucceeded, 1)
	if i > 0 {
		line.Add(cWon, 1)
	}
	h.stats.Put(line)
	if i > 0 {
		h.publish(EventHedgeWon, eventstream.Fields{Attempt: i + 1, MaxAttempts: 1 + h.cfg.MaxHedges, Elapsed: elapsed})
	}
	h.record(elapsed)
}

// creditCall adds one call's share to the budget; a full budget costs one
// load.
func (h *Hedge) creditCall() {
	for {
		w := h.budget.Load()
		n := credit(w, int64(h.cfg.BudgetPercent), h.limit)
		if n == w || h.budget.CompareAndSwap(w, n) {
			return
		}
	}
}

// takeHedge takes one hedge from the budget.
func (h *Hedge) takeHedge() bool {
	for {
		w := h.budget.Load()
		n, ok := take(w)
		if !ok {
			return false
		}
		if h.budget.CompareAndSwap(w, n) {
			return true
		}
	}
}

// record keeps a success's latency for the adaptive delay and, every
// quarter window, computes the percentile again from the window.
func (h *Hedge) record(d time.Duration) {
	if h.lat == nil {
		return
	}
	n := h.seen.Add(1)
	w := uint64(len(h.lat))
	h.lat[(n-1)%w].Store(int64(d))
	if n%(w/4) != 0 {
		return
	}
	samples := make([]time.Duration, min(n, w))
	for i := range samples {
		samples[i] = time.Duration(h.lat[i].Load())
	}
	h.delay.Store(int64(percentile(samples, h.cfg.Percentile, h.cfg.MinDelay)))
}

func (h *Hedge) publish(t eventstream.Type, f eventstream.Fields) {
	if h.eng != nil && h.eng.Events().HasSubscribers() {
		h.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: h.name, Fields: f})
	}
}
