package retry

import (
	"context"
	"errors"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
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
	r := &Retry{name: name, cfg: cfg, eng: eng, clock: engine.RealClock{}, stats: counters{set: tally.New()}}
	if eng != nil {
		r.clock = eng.Clock()
	}
	return r, nil
}

// Name returns the Retry's name.
func (r *Retry) Name() string { return r.name }

// Config returns the configuration in force, defaults filled in.
func (r *Retry) Config() Config { return r.cfg }

// Execute runs fn until it succeeds, returns an error that is not retried,
// or the retries run out (*ExhaustedError). A cancelled ctx ends a wait at
// once with ctx.Err().
func (r *Retry) Execute(ctx context.Context, fn func(context.Context) error) error {
	_, err := run(ctx, r, nil, errCall(fn))
	return err
}

// Do runs fn under r and returns its result.
func Do[T any](ctx context.Context, r *Retry, fn func(context.Context) (T, error)) (T, error) {
	return run(ctx, r, nil, fnCall[T](fn))
}

// Policy is a Retry for results of type T: an engine.Policy that takes
// part in a composition, optionally retrying on results too.
type Policy[T any] struct {
	r        *Retry
	onResult func(T) bool
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

// Do runs fn under p.
func (p Policy[T]) Do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	return run(ctx, p.r, p.onResult, fnCall[T](fn))
}

// Apply implements engine.Policy: it retries the rest of the chain.
func (p Policy[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	return run(ctx, p.r, p.onResult, next)
}

type caller[T any] interface {
	Call(context.Context) (T, error)
}

type fnCall[T any] func(context.Context) (T, error)

func (f fnCall[T]) Call(ctx context.Context) (T, error) { return f(ctx) }

type errCall func(context.Context) error

func (f errCall) Call(ctx context.Context) (struct{}, error) { return struct{}{}, f(ctx) }

// maxInline is how many schedules (default + per-error) keep their
// counters on the stack.
const maxInline = 8

// run is the retry loop.
func run[T any, C caller[T]](ctx context.Context, r *Retry, onResult func(T) bool, c C) (T, error) {
	cfg := &r.cfg
	var countsArr [maxInline]int
	var prevArr [maxInline]time.Duration
	counts, prevs := countsArr[:], prevArr[:]
	if n := len(cfg.PerError) + 1; n > maxInline {
		counts, prevs = make([]int, n), make([]time.Duration, n)
	}
	var start time.Time
	if cfg.MaxDuration > 0 {
		start = r.clock.Now()
	}
	if cfg.Budget != nil {
		cfg.Budget.deposit()
	}
	var slept time.Duration // the waits between attempts, for Stats
	var lastErr error       // the latest attempt's error, for Stats
	for attempt := 1; ; attempt++ {
		v, err := c.Call(ctx)
		if err != nil {
			lastErr = err
		}
		si := 0 // 0 = default schedule, i+1 = PerError[i]
		if err == nil {
			if onResult == nil || !onResult(v) {
				r.stats.count(endSucceeded, attempt, slept, lastErr)
				if attempt > 1 {
					r.succeeded(attempt)
				}
				return v, nil
			}
		} else {
			if cfg.AbortOn != nil && cfg.AbortOn(err) {
				r.stats.count(endNotRetried, attempt, slept, lastErr)
				return v, err
			}
			si = -1
			for i := range cfg.PerError {
				if cfg.PerError[i].Match(err) {
					si = i + 1
					break
				}
			}
			if si < 0 {
				if !cfg.RetryOn(err) {
					r.stats.count(endNotRetried, attempt, slept, lastErr)
					return v, err
				}
				si = 0
			}
		}
		b := &cfg.Backoff
		if si > 0 {
			b = &cfg.PerError[si-1].Backoff
		}
		counts[si]++
		if counts[si] >= b.MaxAttempts {
			r.stats.count(endExhausted, attempt, slept, lastErr)
			return v, r.exhausted(attempt, b.MaxAttempts, "attempts", v, err)
		}
		delay := jitter(cfg.JitterKind, cfg.Jitter, b.base(counts[si]), prevs[si], b.InitialDelay, b.MaxDelay, cfg.Rand())
		if err != nil {
			delay = honourRetryAfter(err, delay, b.MaxDelay)
		}
		prevs[si] = delay
		if cfg.MaxDuration > 0 && r.clock.Since(start)+delay > cfg.MaxDuration {
			r.stats.count(endExhausted, attempt, slept, lastErr)
			return v, r.exhausted(attempt, b.MaxAttempts, "max_duration", v, err)
		}
		if cerr := ctx.Err(); cerr != nil { // the caller has gone: no retry, no callbacks
			r.stats.count(endNotRetried, attempt, slept, lastErr)
			var zero T
			return zero, cerr
		}
		if cfg.Budget != nil && !cfg.Budget.withdraw(ctx) {
			if cerr := ctx.Err(); cerr != nil {
				r.stats.count(endNotRetried, attempt, slept, lastErr)
				var zero T
				return zero, cerr
			}
			r.stats.count(endExhausted, attempt, slept, lastErr)
			return v, r.exhausted(attempt, b.MaxAttempts, "budget", v, err)
		}
		r.retrying(attempt, b.MaxAttempts, delay, err)
		slept += delay
		if serr := engine.Sleep(ctx, r.clock, delay); serr != nil {
			r.stats.count(endNotRetried, attempt, slept, lastErr)
			var zero T
			return zero, serr
		}
	}
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
		f := eventstream.Fields{Attempt: attempt + 1, MaxAttempts: max, Delay: delay, Reason: "error"}
		if err != nil {
			f.Err = err.Error()
		} else {
			f.Reason = "result"
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

// honourRetryAfter waits at least as long as a rejection asked (a
// *messages.RejectedError's RetryAfter, when RetryOn lets such errors be
// retried), never more than max.
func honourRetryAfter(err error, delay, max time.Duration) time.Duration {
	var rej *messages.RejectedError
	if errors.As(err, &rej) && rej.RetryAfter > delay {
		return min(rej.RetryAfter, max)
	}
	return delay
}
