package kernel

import "sync/atomic"

// Snapshot holds an immutable, read-only view of an actor's state that the
// actor's goroutine publishes and any goroutine may read without a round
// trip: the fast path of a pattern (a closed circuit breaker admits a call
// after one atomic load). Only the owning goroutine calls Publish, and it
// must never modify a value after publishing it. The zero value holds nil.
type Snapshot[T any] struct {
	p atomic.Pointer[T]
}

// Load returns the latest published view, or nil before the first Publish.
func (s *Snapshot[T]) Load() *T { return s.p.Load() }

// Publish makes v the current view. Call it only from the owning goroutine.
func (s *Snapshot[T]) Publish(v *T) { s.p.Store(v) }
