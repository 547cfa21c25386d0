package cache

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Stats is a value copy of a Cache's figures. Every keyed call is counted
// once, when it is decided: Calls = Hits + Misses.
type Stats struct {
	// Name is the Cache's name.
	Name string
	// Calls counts keyed calls: Hits those served from the store without
	// calling (fresh, stale and negative hits), Misses those that ran the
	// function, refreshes included.
	Calls, Hits, Misses uint64
	// StaleHits counts the hits served stale while a refresh ran, and
	// NegativeHits the hits that returned a cached error.
	StaleHits, NegativeHits uint64
	// Refreshes counts the misses that refreshed a stale entry.
	Refreshes uint64
	// Stored counts entries handed to the store (it may drop or evict
	// them).
	Stored uint64
	// Bypassed counts calls in a composition that had no key and ran
	// uncached; they are not in Calls.
	Bypassed uint64
}

// HitRate is Hits / Calls (0 before any call).
func (s Stats) HitRate() float64 { return tally.Ratio(s.Hits, s.Calls) }

// Stats returns c's figures. It never blocks (ctx is not waited on) and
// the error is nil, or messages.ErrStopped, with the figures, once c's
// engine has stopped.
func (c *Cache[V]) Stats(context.Context) (Stats, error) {
	n := c.stats.Sums()
	hits := n[cFresh] + n[cStale] + n[cNegative]
	return Stats{Name: c.name, Calls: hits + n[cMiss], Hits: hits, StaleHits: n[cStale], NegativeHits: n[cNegative],
		Misses: n[cMiss], Refreshes: n[cRefresh], Stored: n[cStored], Bypassed: n[cBypassed]}, tally.Err(c.eng)
}

// ResetStats sets c's figures back to zero. A call counted while it runs
// may or may not survive it.
func (c *Cache[V]) ResetStats() { c.stats.Reset() }

// Counter indices in a Cache's tally: the hits by kind, the misses and
// what they did, and the calls without a key.
const (
	cFresh = iota
	cStale
	cNegative
	cMiss
	cRefresh
	cStored
	cBypassed
)

// hit counts a hit of kind (cFresh or cStale) on e.
func (c *Cache[V]) hit(e *Entry[V], kind int) {
	c.hitEvent(e, kind)
	if e.Err != nil {
		kind = cNegative
	}
	c.stats.Add(kind, 1)
}

// count adds one to a and, if different, to b, on one line.
func (c *Cache[V]) count(a, b int) {
	line := c.stats.Pick()
	line.Add(a, 1)
	if b != a {
		line.Add(b, 1)
	}
	c.stats.Put(line)
}
