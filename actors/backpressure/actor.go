package backpressure

import "github.com/bulwark-go/bulwark/eventstream"

// request is the closed set of messages the manager's actor takes.
type request interface{ isRequest() }

// acquire asks to add one item; ch is nil when the call will not wait, or
// where a queued call's admission arrives (capacity 1, one send).
type acquire struct{ ch chan struct{} }

// leave takes a waiter out of the queue: its wait passed (timeout) or its
// context ended.
type leave struct {
	id      uint64
	timeout bool
}

// nudge tells the actor that Release took items away.
type nudge struct{}

// getStats asks for the figures.
type getStats struct{}

func (acquire) isRequest()  {}
func (leave) isRequest()    {}
func (nudge) isRequest()    {}
func (getStats) isRequest() {}

// reply answers acquire (granted, queued as id, or rejected for reason),
// leave (removed: the waiter was still queued) and getStats.
type reply struct {
	id      uint64
	granted bool
	queued  bool
	removed bool
	reason  string
	stats   Stats
}

// owner is the behaviour of the manager's actor. The state lives in the
// Manager, so a restart after a panic keeps every waiter and count.
type owner struct{ m *Manager }

func (m *Manager) newOwner() behavior { return owner{m: m} }

// Receive handles one request in the actor's goroutine. Items released
// since the last message are folded in first, so every decision sees them.
func (o owner) Receive(r request) (reply, error) {
	m := o.m
	if _, ok := r.(acquire); ok {
		m.close() // an arrival is decided on the state's count
	}
	m.settle()
	defer m.reopen()
	switch r := r.(type) {
	case acquire:
		id := m.next
		m.next++
		ok, queued, reason, ch := m.st.arrive(id, r.ch != nil)
		m.publish(ch)
		switch {
		case ok:
			return reply{granted: true}, nil
		case queued:
			m.waiters[id] = r.ch
			return reply{id: id, queued: true}, nil
		}
		m.rejectedEvent(reason)
		return reply{reason: reason}, nil
	case leave:
		removed := m.st.leave(r.id, r.timeout)
		delete(m.waiters, r.id)
		if r.timeout {
			m.rejectedEvent(ReasonWaitTimeout)
		}
		return reply{removed: removed}, nil
	case getStats:
		return reply{stats: m.stats()}, nil
	}
	return reply{}, nil
}

// EndBatch folds released items in, admits waiters and reopens the gate
// if it can.
func (o owner) EndBatch() {
	o.m.settle()
	o.m.reopen()
}

// close closes the gate, if it is open, so that the state's count is the
// truth until reopen: from here on callers neither add nor take items
// themselves, they come to the actor.
func (m *Manager) close() {
	if !m.closed {
		m.st.pending = m.shut()
		m.closed = true
	}
}

// reopen opens the gate again once backpressure is off and nobody waits
// (then pending is below the high mark: see state.settle).
func (m *Manager) reopen() {
	if m.closed && !m.st.active && m.st.q.Len() == 0 {
		m.closed = false
		m.open(m.st.pending)
	}
}

// settle folds released items in and, while the gate is closed, admits
// waiters, oldest first, one at a time while backpressure stays off. While
// the gate is open there are no waiters and backpressure is off, and
// releases cannot turn it on: they come off the gate's count.
func (m *Manager) settle() {
	n := m.released.Swap(0)
	if !m.closed {
		if n > 0 {
			m.drop(uint64(n))
		}
		return
	}
	if n > 0 {
		m.publish(m.st.release(int(n)))
	}
	for {
		id, ch, ok := m.st.next()
		if !ok {
			break
		}
		m.waiters[id] <- struct{}{} // capacity 1, one send per waiter: never blocks
		delete(m.waiters, id)
		m.publish(ch)
	}
}

// pending returns the pending count: the state's while the gate is
// closed, the gate's while it is open.
func (m *Manager) pending() int {
	if m.closed {
		return m.st.pending
	}
	return int(m.word.Load())
}

// stats returns the figures; every admission, on the fast path or
// through the actor, is a permit the ledger granted.
func (m *Manager) stats() Stats {
	s := m.st
	s.pending = m.pending()
	s.accepted = m.permits.Granted()
	return s.stats()
}

// publish announces a change of the flag: backpressure_on or
// backpressure_off (Count: pending, Max: MaxPending, Limit: "high" or
// "low").
func (m *Manager) publish(ch change) {
	if ch == unchanged || !m.eng.Events().HasSubscribers() {
		return
	}
	typ, limit := eventstream.EventBackpressureOn, "high"
	if ch == turnedOff {
		typ, limit = eventstream.EventBackpressureOff, "low"
	}
	m.eng.Publish(eventstream.Event{Type: typ, Pattern: Kind, Name: m.name,
		Fields: eventstream.Fields{Count: int64(m.pending()), Max: int64(m.st.max), Limit: limit}})
}

// rejectedEvent publishes backpressure_rejected (Reason, Count: pending,
// Max: MaxPending).
func (m *Manager) rejectedEvent(reason string) {
	if !m.eng.Events().HasSubscribers() {
		return
	}
	m.eng.Publish(eventstream.Event{Type: eventstream.EventBackpressureRejected, Pattern: Kind, Name: m.name,
		Fields: eventstream.Fields{Reason: reason, Count: int64(m.pending()), Max: int64(m.st.max)}})
}
