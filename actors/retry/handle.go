package retry

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/call"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Retry runs calls with retries. It holds only its configuration, so it is
// safe for concurrent use and costs nothing between calls; a zero Retry is
// not usable (use New).
type Retry struct {
	name  string
	cfg   Config
	eng   *engine.Engine
	done  <-chan struct{} // eng.Done(), or nil (never) without an engine
	clock engine.Clock
	stats counters
}

// New returns a Retry named name (the name events and errors carry). eng
// may be nil: then no events are published and waits use the real clock.
// A Retry is not registered with the supervisor (it has no goroutine);
// its Budget, if any, is.
func New(eng *engine.Engine, name string, cfg Config) (*Retry, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Retry{name: name, cfg: cfg, eng: eng, clock: engine.RealClock{}, stats: newCounters()}
	if eng != nil {
		r.clock, r.done = eng.Clock(), eng.Done()
	}
	return r, nil
}

// Name returns the Retry's name.
func (r *Retry) Name() string { return r.name }

// Config returns the configuration in force, defaults filled in.
func (r *Retry) Config() Config { return r.cfg }

// Execute runs fn until it succeeds, returns an error that is not retried,
// or the retries run out (*ExhaustedError). No wait starts that would end
// at or past ctx's deadline (or, in a composition, the deadline of a
// timeout.ForDeadline stage below): the loop gives up at once with an
// *ExhaustedError whose Reason is "deadline".
//
// A caller whose ctx ends gets ctx's error (engine.CallerGone: the last
// attempt's error is kept alongside), also when the function returned nil
// after ctx ended; a wait ends at once. After the engine's Shutdown,
// Execute returns messages.ErrStopped without calling fn, and a wait in
// progress ends with ErrStopped (the last error kept alongside). A nil fn
// is an error wrapping messages.ErrInvalidConfig.
func (r *Retry) Execute(ctx context.Context, fn func(context.Context) error) error {
	if fn == nil {
		return errNilFunc
	}
	_, err := run(ctx, Policy[struct{}]{r: r}, call.ErrFunc(fn))
	return err
}

// Do runs fn under r and returns its result, as Execute.
func Do[T any](ctx context.Context, r *Retry, fn func(context.Context) (T, error)) (T, error) {
	return For[T](r).Do(ctx, fn)
}

// errNilFunc is the error for a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")

// Policy is a Retry for results of type T: an engine.Policy that takes
// part in a composition, optionally retrying on results too.
type Policy[T any] struct {
	r         *Retry
	onResult  func(T) bool
	onDiscard func(T, error)
}

var _ engine.Policy[int] = Policy[int]{}

// For returns r as an engine.Policy[T].
func For[T any](r *Retry) Policy[T] { return Policy[T]{r: r} }

// RetryIfResult returns a copy of p that also retries (under the default
// schedule) when a call succeeds with a result for which reject is true.
// When the attempts run out on such a result, the caller gets an
// *ExhaustedError carrying it.
func (p Policy[T]) RetryIfResult(reject func(T) bool) Policy[T] {
	p.onResult = reject
	return p
}

// OnDiscard returns a copy of p that calls discard with the result and
// error of every attempt whose result the loop drops: an attempt that is
// retried (its error retried, or its result rejected by RetryIfResult),
// and the last attempt when the caller's context has ended (the caller
// gets zero and ctx's error). It is not called for what the caller gets:
// a success, an error that is not retried, or the last attempt's result
// when the retries run out (the *ExhaustedError carries it). discard runs
// in the caller's goroutine before the wait, once per dropped attempt;
// v may be the zero value (an attempt that failed returns one). Use it to
// release what a result holds: for an *http.Response, drain and close
// its body, so that a retried response does not keep its connection. In
// a composition, a Policy without OnDiscard hands what it drops to the
// composition's (engine.Composition.OnDiscard).
func (p Policy[T]) OnDiscard(discard func(v T, err error)) Policy[T] {
	p.onDiscard = discard
	return p
}

// discard hands a dropped attempt's result to OnDiscard's function, or,
// without one, to c (a composition's OnDiscard through engine.Next).
func discard[T any, C call.Caller[T]](p *Policy[T], c C, v T, err error) {
	if p.onDiscard != nil {
		p.onDiscard(v, err)
		return
	}
	c.Discard(v, err)
}

// Do runs fn under p, as Retry.Execute.
func (p Policy[T]) Do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, errNilFunc
	}
	return run(ctx, p, call.Func[T](fn))
}

// Apply implements engine.Policy: it retries the rest of the chain.
func (p Policy[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	return run(ctx, p, next)
}

// run is the retry loop: it runs c, and asks state.next what follows each
// attempt that did not succeed.
func run[T any, C call.Caller[T]](ctx context.Context, p Policy[T], c C) (T, error) {
	var zero T
	r, onResult := p.r, p.onResult
	cfg := &r.cfg
	if r.eng.Stopped() {
		return zero, messages.ErrStopped
	}
	if err := ctx.Err(); err != nil { // the caller has gone: nothing runs
		r.stats.count(endNotRetried, 0, 0, nil)
		return zero, err
	}
	var s state
	var start time.Time
	if cfg.MaxDuration > 0 {
		start = r.clock.Now()
	}
	if cfg.Budget != nil {
		cfg.Budget.deposit()
	}
	ready := false          // s is initialised (on the first failed attempt)
	var slept time.Duration // the waits between attempts, for Stats
	var lastErr error       // the latest attempt's error, for Stats
	for attempt := 1; ; attempt++ {
		v, err := c.Call(ctx)
		if err != nil {
			lastErr = err
		}
		if ctx.Err() != nil { // the caller has gone: no retry, no callbacks but OnDiscard
			r.stats.count(endNotRetried, attempt, slept, lastErr)
			discard(&p, c, v, err)
			return zero, engine.CallerGone(ctx, err)
		}
		if err == nil && (onResult == nil || !onResult(v)) {
			r.stats.count(endSucceeded, attempt, slept, lastErr)
			if attempt > 1 {
				r.succeeded(attempt)
			}
			return v, nil
		}
		if !ready {
			end, hasEnd := deadline(ctx, c)
			s.init(cfg, start, end, hasEnd)
			ready = true
		}
		d := s.next(attempt, err, r.clock.Now())
		switch d.step {
		case stepReturn:
			r.stats.count(endNotRetried, attempt, slept, lastErr)
			return v, err
		case stepExhausted:
			r.stats.count(endExhausted, attempt, slept, lastErr)
			return v, r.exhausted(attempt, d.max, d.reason, v, err)
		}
		if cfg.Budget != nil && !cfg.Budget.withdraw(ctx) {
			if ctx.Err() != nil {
				r.stats.count(endNotRetried, attempt, slept, lastErr)
				discard(&p, c, v, err)
				return zero, engine.CallerGone(ctx, lastErr)
			}
			r.stats.count(endExhausted, attempt, slept, lastErr)
			return v, r.exhausted(attempt, d.max, ReasonBudget, v, err)
		}
		discard(&p, c, v, err)
		r.retrying(attempt, d.max, d.delay, err)
		slept += d.delay
		if serr := r.sleep(ctx, d.delay); serr != nil {
			r.stats.count(endNotRetried, attempt, slept, lastErr)
			if serr == messages.ErrStopped {
				return zero, stoppedAfter(lastErr)
			}
			return zero, engine.CallerGone(ctx, lastErr)
		}
	}
}

// deadline returns the earlier of ctx's deadline and c's (a shared
// deadline below in a composition).
func deadline[T any, C call.Caller[T]](ctx context.Context, c C) (time.Time, bool) {
	end, ok := ctx.Deadline()
	if d, dok := c.Deadline(); dok && (!ok || d.Before(end)) {
		end, ok = d, true
	}
	return end, ok
}

// sleep waits d on r's clock. It returns ctx.Err() when ctx ends first and
// messages.ErrStopped when the engine begins Shutdown first (or has).
func (r *Retry) sleep(ctx context.Context, d time.Duration) error {
	if r.eng.Stopped() {
		return messages.ErrStopped
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := r.clock.NewTimer(d)
	select {
	case <-t.C():
		if r.eng.Stopped() {
			return messages.ErrStopped
		}
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	case <-r.done:
		t.Stop()
		return messages.ErrStopped
	}
}

// stoppedAfter is ErrStopped with the last attempt's error kept alongside.
func stoppedAfter(last error) error {
	if last == nil {
		return messages.ErrStopped
	}
	return fmt.Errorf("%w (last error: %w)", messages.ErrStopped, last)
}

func (r *Retry) subscribed() bool {
	return r.eng != nil && r.eng.Events().HasSubscribers()
}

func (r *Retry) succeeded(attempt int) {
	if r.cfg.OnSuccessAfterRetry != nil {
		r.cfg.OnSuccessAfterRetry(Attempt{Attempt: attempt, MaxAttempts: r.cfg.MaxAttempts})
	}
	if r.subscribed() {
		r.eng.Publish(eventstream.Event{Type: eventstream.EventRetrySuccess, Pattern: Kind, Name: r.name,
			Fields: eventstream.Fields{Attempt: attempt, MaxAttempts: r.cfg.MaxAttempts}})
	}
}

func (r *Retry) retrying(attempt, max int, delay time.Duration, err error) {
	if r.cfg.OnRetry != nil {
		r.cfg.OnRetry(Attempt{Attempt: attempt, MaxAttempts: max, Delay: delay, Err: err})
	}
	if r.subscribed() {
		f := eventstream.Fields{Attempt: attempt + 1, MaxAttempts: max, Delay: delay, Reason: ReasonError}
		if err != nil {
			f.Err = err.Error()
		} else {
			f.Reason = ReasonResult
		}
		r.eng.Publish(eventstream.Event{Type: eventstream.EventRetryAttempt, Pattern: Kind, Name: r.name, Fields: f})
	}
}

func (r *Retry) exhausted(attempt, max int, reason string, v any, err error) error {
	if r.cfg.OnExhausted != nil {
		r.cfg.OnExhausted(Attempt{Attempt: attempt, MaxAttempts: max, Err: err})
	}
	if r.subscribed() {
		f := eventstream.Fields{Attempt: attempt, MaxAttempts: max, Reason: reason}
		if err != nil {
			f.Err = err.Error()
		}
		r.eng.Publish(eventstream.Event{Type: eventstream.EventRetryExhausted, Pattern: Kind, Name: r.name, Fields: f})
	}
	return &ExhaustedError{Name: r.name, Attempts: attempt, Reason: reason, Result: v, Err: err}
}
