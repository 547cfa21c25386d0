package cache

import "github.com/bulwark-go/bulwark/eventstream"

// Event types a Cache publishes, one per keyed call, when someone
// subscribes to them (a call checks with one atomic load otherwise). They
// carry no key: keys may be personal data.
const (
	// EventCacheHit: a fresh entry answered the call.
	EventCacheHit eventstream.Type = "cache_hit"
	// EventCacheStaleHit: a stale entry answered the call while another
	// caller refreshed it.
	EventCacheStaleHit eventstream.Type = "cache_stale_hit"
	// EventCacheNegativeHit: a cached error answered the call (fresh or
	// stale).
	EventCacheNegativeHit eventstream.Type = "cache_negative_hit"
	// EventCacheMiss: the call ran the function (Elapsed: how long it
	// took).
	EventCacheMiss eventstream.Type = "cache_miss"
	// EventCacheRefresh: the call ran the function to refresh a stale
	// entry, which other callers were served meanwhile (Elapsed).
	EventCacheRefresh eventstream.Type = "cache_refresh"
)

// wants reports whether anyone would read an event of type t from c.
func (c *Cache[V]) wants(t eventstream.Type) bool {
	return c.eng != nil && c.eng.Events().Wants(t, Kind, c.name)
}

// hitEvent publishes the event of a hit of kind (cFresh or cStale) on e,
// if anyone wants it.
func (c *Cache[V]) hitEvent(e *Entry[V], kind int) {
	t := EventCacheHit
	switch {
	case e.Err != nil:
		t = EventCacheNegativeHit
	case kind == cStale:
		t = EventCacheStaleHit
	}
	if c.wants(t) {
		c.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: c.name})
	}
}

// missTimer starts timing a call that runs the function, if anyone wants
// its event t; done publishes it.
func (c *Cache[V]) missTimer(t eventstream.Type) (done func()) {
	if !c.wants(t) {
		return func() {}
	}
	t0 := c.clock.Now()
	return func() {
		c.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: c.name,
			Fields: eventstream.Fields{Elapsed: c.clock.Since(t0)}})
	}
}
