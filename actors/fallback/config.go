package fallback

import (
	"context"

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

// Config configures a Fallback.
type Config[T any] struct {
	// Chain holds the fallbacks, tried in order (at least one).
	Chain []Func[T]
	// On selects the primary errors that trigger the fallbacks; nil means
	// every error.
	On func(error) bool
}

func (c Config[T]) validate() error {
	if len(c.Chain) == 0 {
		return messages.InvalidConfig(Kind, "Chain", 0, "must hold at least one fallback")
	}
	for i, f := range c.Chain {
		if f == nil {
			return messages.InvalidConfig(Kind, "Chain", i, "must not hold a nil fallback")
		}
	}
	return nil
}
