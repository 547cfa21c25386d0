package fallback

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// Fallback answers failed calls with substitutes. It is safe for concurrent
// use, has no goroutine, and is an engine.Policy[T].
type Fallback[T any] struct {
	name  string
	chain []Func[T]
	on    func(error) bool
	eng   *engine.Engine
	stats *tally.Set // see stats.go
}

var _ engine.Policy[int] = (*Fallback[int])(nil)

// New returns a Fallback named name. eng may be nil: then no events are
// published.
func New[T any](eng *engine.Engine, name string, cfg Config[T]) (*Fallback[T], error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Fallback[T]{name: name, chain: append([]Func[T](nil), cfg.Chain...), on: cfg.On, eng: eng, stats: tally.New()}, nil
}

// Do runs fn, and the fallbacks if it fails.
func (f *Fallback[T]) Do(ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	v, err := fn(ctx)
	if err == nil {
		f.stats.Add(cSucceeded, 1)
		return v, nil
	}
	return f.answer(ctx, v, err)
}

// Apply implements engine.Policy: the fallbacks answer the rest of the
// chain's failures.
func (f *Fallback[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	v, err := next.Call(ctx)
	if err == nil {
		f.stats.Add(cSucceeded, 1)
		return v, nil
	}
	return f.answer(ctx, v, err)
}

func (f *Fallback[T]) answer(ctx context.Context, v T, primary error) (T, error) {
	if f.on != nil && !f.on(primary) {
		f.stats.Add(cPassed, 1)
		return v, primary
	}
	var last error
	for i, fb := range f.chain {
		fv, err := fb(ctx, primary)
		if err == nil {
			f.stats.Add(cFellBack, 1)
			f.publish(i+1, "recovered", primary)
			return fv, nil
		}
		last = err
	}
	f.stats.Add(cFailed, 1)
	f.publish(0, "all_failed", primary)
	var zero T
	return zero, &FailedError{Name: f.name, Primary: primary, Last: last}
}

func (f *Fallback[T]) publish(attempt int, reason string, primary error) {
	if f.eng == nil || !f.eng.Events().HasSubscribers() {
		return
	}
	f.eng.Publish(eventstream.Event{Type: eventstream.EventFallbackTriggered, Pattern: Kind, Name: f.name,
		Fields: eventstream.Fields{Attempt: attempt, Reason: reason, Err: primary.Error()}})
}
