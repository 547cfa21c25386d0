package timeout

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/call"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Timeout gives each call its own time limit. It is safe for concurrent use
// and has no goroutine of its own.
type Timeout struct {
	l   limiter
	cfg Config
}

// New returns a Timeout named name. eng may be nil: then no events are
// published and the real clock is used.
func New(eng *engine.Engine, name string, cfg Config) (*Timeout, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Timeout{l: newLimiter(eng, Kind, name, cfg.Cooperative), cfg: cfg}, nil
}

// Config returns the configuration in force.
func (t *Timeout) Config() Config { return t.cfg }

// Execute runs fn with a context that ends after the timeout. A nil fn is
// an error wrapping messages.ErrInvalidConfig; after the engine's Shutdown
// it returns messages.ErrStopped without calling fn.
func (t *Timeout) Execute(ctx context.Context, fn func(context.Context) error) error {
	if fn == nil {
		return nilFunc(Kind)
	}
	_, err := run(ctx, &t.l, t.cfg.Timeout, time.Time{}, nil, call.ErrFunc(fn))
	return err
}

// Do runs fn under t and returns its result, as Execute.
func Do[T any](ctx context.Context, t *Timeout, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, nilFunc(Kind)
	}
	return run(ctx, &t.l, t.cfg.Timeout, time.Time{}, nil, call.Func[T](fn))
}

// nilFunc is the error for a nil function.
func nilFunc(pattern string) error {
	return messages.InvalidConfig(pattern, "fn", nil, "must not be nil")
}

// Policy is a Timeout or a Deadline as an engine.Policy[T].
type Policy[T any] struct {
	t         *Timeout
	d         *Deadline
	onDiscard func(T, error)
}

var _ engine.Policy[int] = Policy[int]{}

// For returns t as an engine.Policy[T].
func For[T any](t *Timeout) Policy[T] { return Policy[T]{t: t} }

// ForDeadline returns d as an engine.Policy[T].
func ForDeadline[T any](d *Deadline) Policy[T] { return Policy[T]{d: d} }

// OnDiscard returns a copy of p that calls discard with every result of
// the rest of the chain that the caller does not get: a call that
// returned after the limit fired or after the caller's context ended,
// and, in the default mode, a call abandoned at the limit — handed over
// from its goroutine when it returns, after the caller has left. v may be
// the zero value. Without it, such results go to the composition's
// OnDiscard (engine.Composition.OnDiscard). A result the function returns
// in time is the caller's, never discarded.
func (p Policy[T]) OnDiscard(discard func(v T, err error)) Policy[T] {
	p.onDiscard = discard
	return p
}

// Deadline implements engine.Deadliner: a Deadline's end, and false for a
// Timeout (each call has its own).
func (p Policy[T]) Deadline() (time.Time, bool) {
	if p.d != nil {
		return p.d.at, true
	}
	return time.Time{}, false
}

// Do runs fn under p's Timeout or Deadline and returns its result, as
// Timeout.Execute; a result the caller does not get goes to OnDiscard's
// function. A nil fn is an error wrapping messages.ErrInvalidConfig.
func (p Policy[T]) Do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		if p.d != nil {
			return zero, nilFunc(DeadlineKind)
		}
		return zero, nilFunc(Kind)
	}
	return apply(ctx, p, call.Func[T](fn))
}

// Apply implements engine.Policy: the rest of the chain runs under the
// limit.
func (p Policy[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	return apply(ctx, p, next)
}

// apply runs c under p's Timeout or Deadline.
func apply[T any, C call.Caller[T]](ctx context.Context, p Policy[T], c C) (T, error) {
	if p.d != nil {
		return run(ctx, &p.d.l, 0, p.d.at, p.onDiscard, c)
	}
	return run(ctx, &p.t.l, p.t.cfg.Timeout, time.Time{}, p.onDiscard, c)
}

// Deadline is one absolute end shared by many calls (a request's budget
// spread over the calls it makes). Safe for concurrent use.
type Deadline struct {
	l  limiter
	at time.Time
}

// NewDeadline returns a Deadline named name ending at cfg.At. eng may be
// nil as for New.
func NewDeadline(eng *engine.Engine, name string, cfg DeadlineConfig) (*Deadline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Deadline{l: newLimiter(eng, DeadlineKind, name, cfg.Cooperative), at: cfg.At}, nil
}

// At returns the deadline.
func (d *Deadline) At() time.Time { return d.at }

// Remaining returns the time left, never negative.
func (d *Deadline) Remaining() time.Duration {
	if r := d.at.Sub(d.l.clock.Now()); r > 0 {
		return r
	}
	return 0
}

// Expired reports whether the deadline has passed.
func (d *Deadline) Expired() bool { return !d.l.clock.Now().Before(d.at) }

// Execute runs fn with a context that ends at the deadline; once it has
// passed, fn does not run and the error's Reason is "expired". A nil fn
// and a stopped engine are as for Timeout.Execute.
func (d *Deadline) Execute(ctx context.Context, fn func(context.Context) error) error {
	if fn == nil {
		return nilFunc(DeadlineKind)
	}
	_, err := run(ctx, &d.l, 0, d.at, nil, call.ErrFunc(fn))
	return err
}

// DoDeadline runs fn under d and returns its result, as Execute.
func DoDeadline[T any](ctx context.Context, d *Deadline, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, nilFunc(DeadlineKind)
	}
	return run(ctx, &d.l, 0, d.at, nil, call.Func[T](fn))
}
