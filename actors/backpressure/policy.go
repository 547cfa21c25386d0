package backpressure

import "github.com/bulwark-go/bulwark/eventstream"

// owner is the Gate's admission rule (an admit.Policy), run by its
// queue's actor goroutine; it owns the Gate's state and, while it keeps
// the valve closed, the pending count.
type owner struct{ g *Gate }

// Arrive closes the valve, if it is open, so that the state's count is the
// truth until Finish reopens it: from here on callers neither add nor take
// items themselves, they come to the actor.
func (o owner) Arrive() {
	g := o.g
	if !g.closed {
		g.st.pending = g.shut()
		g.closed = true
	}
}

// Settle takes the items released since the last Settle off the state's
// count while the valve is closed (the ledger's count has only fallen
// since, but for the owner's own grants, which both count). While the valve
// is open there are no waiters and backpressure is off, and releases cannot
// turn it on: they come off the valve's count.
func (o owner) Settle() {
	g := o.g
	if !g.closed {
		return
	}
	if n := g.st.pending - g.limit.Held(); n > 0 {
		g.publish(g.st.release(n))
	}
}

// Take admits one call while backpressure is off (the valve is closed:
// an arrival closed it, or callers wait) and grants its permit.
func (o owner) Take() (uint64, bool) {
	g := o.g
	ok, ch := g.st.admit()
	if !ok {
		return 0, false
	}
	g.publish(ch)
	return g.limit.Grant(), true
}

// Refuse refuses an arrival when pending items plus waiters have reached
// MaxInFlight.
func (o owner) Refuse(waiting int) string { return o.g.st.refuse(waiting) }

// Finish reopens the valve once backpressure is off and nobody waits (then
// pending is below the high mark: see state.settle).
func (o owner) Finish(waiting int) {
	g := o.g
	if g.closed && !g.st.active && waiting == 0 && g.open() {
		g.closed = false
	}
}

// pending returns the pending count (owner only): the state's while the
// valve is closed, the valve's while it is open.
func (g *Gate) pending() int {
	if g.closed {
		return g.st.pending
	}
	return g.limit.Held()
}

// publish announces a change of the flag (owner only): backpressure_on or
// backpressure_off (Count: pending, Max: MaxInFlight, Limit: "high" or
// "low").
func (g *Gate) publish(ch change) {
	if ch == unchanged || !g.h.Engine().Events().HasSubscribers() {
		return
	}
	typ, limit := eventstream.EventBackpressureOn, "high"
	if ch == turnedOff {
		typ, limit = eventstream.EventBackpressureOff, "low"
	}
	g.h.Engine().Publish(eventstream.Event{Type: typ, Pattern: Kind, Name: g.h.Name(),
		Fields: eventstream.Fields{Count: int64(g.pending()), Max: int64(g.st.max), Limit: limit}})
}

// GiveBack gives back the pending item of a token granted to a waiter
// that had left already.
func (o owner) GiveBack(token uint64) { o.g.giveBack(token) }
