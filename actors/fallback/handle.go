package fallback

import (
	"context"
	"errors"

	"github.com/bulwark-go/bulwark/actors/internal/call"
	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Fallback answers failed calls with substitutes. It is safe for concurrent
// use, has no goroutine, and is an engine.Policy[T].
type Fallback[T any] struct {
	name  string
	chain []Func[T]
	on    func(error) bool
	drop  func(T, error) // Config.OnDiscard
	eng   *engine.Engine
	stats *tally.Set // see stats.go
}

var _ engine.Policy[int] = (*Fallback[int])(nil)

// New returns a Fallback named name. eng may be nil: then no events are
// published.
func New[T any](eng *engine.Engine, name string, cfg Config[T]) (*Fallback[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Fallback[T]{name: name, chain: append([]Func[T](nil), cfg.Chain...), on: cfg.On, drop: cfg.OnDiscard, eng: eng, stats: tally.New()}, nil
}

// Do runs fn, and the fallbacks if it fails (see the package doc for
// what a stopped engine and a caller who gave up get). A nil fn is an
// error wrapping messages.ErrInvalidConfig.
func (f *Fallback[T]) Do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	if fn == nil {
		var zero T
		return zero, errNilFunc
	}
	return run(ctx, f, call.Func[T](fn))
}

// Apply implements engine.Policy: the fallbacks answer the rest of the
// chain's failures.
func (f *Fallback[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	return run(ctx, f, next)
}

// run calls c, then settles its outcome.
func run[T any, C call.Caller[T]](ctx context.Context, f *Fallback[T], c C) (T, error) {
	var zero T
	switch {
	case f.eng.Stopped():
		return zero, messages.ErrStopped
	case ctx.Err() != nil: // the caller has gone: nothing runs
		f.stats.Add(cPassed, 1)
		return zero, ctx.Err()
	}
	v, err := c.Call(ctx)
	return settle(ctx, f, c, v, err)
}

// errNilFunc is the error for a nil function.
var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")

// discard hands a result the caller does not get to Config.OnDiscard, or,
// without it, to c (a composition's OnDiscard through engine.Next).
func discard[T any, C call.Caller[T]](f *Fallback[T], c C, v T, err error) {
	if f.drop != nil {
		f.drop(v, err)
		return
	}
	c.Discard(v, err)
}

// settle turns the primary's outcome into what the caller gets.
func settle[T any, C call.Caller[T]](ctx context.Context, f *Fallback[T], c C, v T, err error) (T, error) {
	if ctx.Err() != nil {
		f.stats.Add(cPassed, 1)
		discard(f, c, v, err)
		var zero T
		return zero, engine.CallerGone(ctx, err)
	}
	if err == nil {
		f.stats.Add(cSucceeded, 1)
		return v, nil
	}
	return answer(ctx, f, c, v, err)
}

// takes reports whether the fallbacks answer primary: Config.On decides;
// without it, every error but messages.ErrStopped.
func (f *Fallback[T]) takes(primary error) bool {
	if f.on != nil {
		return f.on(primary)
	}
	return !errors.Is(primary, messages.ErrStopped)
}

// answer runs the fallbacks for a primary that failed with v, primary.
func answer[T any, C call.Caller[T]](ctx context.Context, f *Fallback[T], c C, v T, primary error) (T, error) {
	if !f.takes(primary) {
		f.stats.Add(cPassed, 1)
		return v, primary
	}
	discard(f, c, v, primary) // the caller gets a fallback's answer or a *FailedError
	var zero T
	var last error
	for i, fb := range f.chain {
		fv, err := fb(ctx, primary)
		if ctx.Err() != nil { // the caller has gone: no answer, no further fallback
			f.stats.Add(cFailed, 1)
			discard(f, c, fv, err)
			if err == nil {
				err = primary
			}
			return zero, engine.CallerGone(ctx, err)
		}
		if err == nil {
			f.stats.Add(cFellBack, 1)
			f.publish(i+1, ReasonRecovered, primary)
			return fv, nil
		}
		discard(f, c, fv, err)
		last = err
	}
	f.stats.Add(cFailed, 1)
	f.publish(0, ReasonAllFailed, primary)
	return zero, &FailedError{Name: f.name, Primary: primary, Last: last}
}

func (f *Fallback[T]) publish(attempt int, reason string, primary error) {
	if f.eng == nil || !f.eng.Events().HasSubscribers() {
		return
	}
	f.eng.Publish(eventstream.Event{Type: eventstream.EventFallbackTriggered, Pattern: Kind, Name: f.name,
		Fields: eventstream.Fields{Attempt: attempt, Reason: reason, Err: primary.Error()}})
}
