package fallback

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of fallback in events and errors.
const Kind = "fallback"

// Func is one fallback: it gets the caller's context and the primary's
// error.
type Func[T any] func(ctx context.Context, err error) (T, error)

// Value returns a fallback that always answers v.
func Value[T any](v T) Func[T] {
	return func(context.Context, error) (T, error) { return v, nil }
}

// LongestChain is the most fallbacks a Config may hold: every one of them may
// run inline in a call.
const LongestChain = 64

// Config configures a Fallback.
type Config[T any] struct {
	// Chain holds the fallbacks, tried in order: at least one, at most
	// LongestChain, none nil.
	Chain []Func[T]
	// On selects the primary errors that trigger the fallbacks; nil means
	// every error except messages.ErrStopped (see the package doc).
	On func(error) bool
	// OnDiscard, when set, receives every result the caller does not get:
	// the primary's when a fallback runs or the caller's context ended,
	// and each failed fallback's (v may be the zero value). Without it, in
	// a composition, they go to the composition's OnDiscard
	// (engine.Composition.OnDiscard).
	OnDiscard func(v T, err error)
}

// Validate reports the first field of c that New would refuse, as a
// *messages.ConfigError.
func (c Config[T]) Validate() error {
	if err := conf.Check(Kind, conf.In("Chain", len(c.Chain), 1, LongestChain)); err != nil {
		return err
	}
	for i, f := range c.Chain {
		if f == nil {
			return messages.InvalidConfig(Kind, "Chain", i, "must not hold a nil fallback")
		}
	}
	return nil
}
