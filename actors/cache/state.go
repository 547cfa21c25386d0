package cache

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Entry is what a Store holds for a key: a value, or a cached error. An
// Entry is immutable once stored (a Store must not change one it was
// given); stores hand out the same *Entry to every reader, which is how
// refreshes are coalesced.
type Entry[V any] struct {
	// Value is the function's result (zero for a cached error).
	Value V
	// Err is non-nil for a negative entry: the cached error.
	Err error
	// Fresh is when the entry stops being fresh.
	Fresh time.Time
	// Stale is when the entry stops being servable (>= Fresh).
	Stale time.Time

	// refreshing is set by the one caller that refreshes a stale entry.
	refreshing atomic.Bool
}

// Verdict is what an entry means at an instant.
type Verdict uint8

// Verdicts.
const (
	// Missing: no entry, or an expired one; the function runs.
	Missing Verdict = iota
	// Fresh: served without calling.
	Fresh
	// Stale: served while one caller refreshes it.
	Stale
)

// At returns what e means at now. A nil e is Missing.
func (e *Entry[V]) At(now time.Time) Verdict {
	switch {
	case e == nil || !now.Before(e.Stale):
		return Missing
	case now.Before(e.Fresh):
		return Fresh
	}
	return Stale
}

// entryFor returns the entry to store for a call that returned (v, err)
// at now, or nil when nothing is to be stored.
func entryFor[V any](c *Config, v V, err error, now time.Time) *Entry[V] {
	if err == nil {
		return &Entry[V]{Value: v, Fresh: now.Add(c.TTL), Stale: now.Add(c.TTL + c.StaleFor)}
	}
	if c.NegativeTTL <= 0 || messages.IsRefusal(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		(c.Negative != nil && !c.Negative(err)) {
		return nil
	}
	end := now.Add(c.NegativeTTL)
	return &Entry[V]{Err: err, Fresh: end, Stale: end}
}
