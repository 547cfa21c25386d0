package admit

import "github.com/bulwark-go/bulwark/actors/internal/waitq"

// request is the closed set of messages a Queue's actor takes.
type request interface{ isRequest() }

// arrive asks for room, or a place in the queue at tier; a queued caller's
// verdict arrives on ch (capacity 1, one send per waiter).
type arrive struct {
	tier   int
	noWait bool
	ch     chan verdict
}

func (arrive) isRequest() {}

// leave takes a waiter whose context ended, or whose MaxWait passed, out
// of the queue.
type leave struct{ id uint64 }

func (leave) isRequest() {}

// kick tells the actor that room came free.
type kick struct{}

func (kick) isRequest() {}

// reply answers arrive (granted with token, queued as id, or refused for
// reason) and leave (removed: the waiter was still queued).
type reply struct {
	id      uint64
	token   uint64
	reason  string
	granted bool
	queued  bool
	removed bool
}

// verdict is what a waiter receives: a grant of token, or a refusal for
// reason (displaced, or turned away by a shorter queue).
type verdict struct {
	token   uint64
	reason  string
	granted bool
}

// owner is the behaviour of a Queue's actor. The queue lives in the Queue,
// so a restart after a panic keeps every waiter.
type owner struct{ q *Queue }

// Receive handles one request in the actor's goroutine.
func (o owner) Receive(m request) (reply, error) {
	q := o.q
	if _, ok := m.(arrive); ok {
		q.policy.Arrive()
	}
	q.policy.Settle()
	if c, ok := m.(Change); ok {
		q.change(c)
		return reply{}, nil
	}
	q.serve()
	defer func() { q.policy.Finish(q.len()) }()
	switch m := m.(type) {
	case arrive:
		return q.arrive(m), nil
	case leave:
		removed := q.remove(m.id)
		q.publish()
		return reply{removed: removed}, nil
	case *sizesAsk:
		m.sizes, m.waiting = m.s.Sizes(), q.len()
	}
	return reply{}, nil
}

// EndBatch serves waiters.
func (o owner) EndBatch() {
	o.q.policy.Settle()
	o.q.serve()
	o.q.policy.Finish(o.q.len())
}

func (q *Queue) len() int {
	if q.tiers == nil {
		return 0
	}
	return q.tiers[0].Len() + q.tiers[1].Len() + q.tiers[2].Len()
}

// remove takes waiter id out of the queue and reports whether it was
// there.
func (q *Queue) remove(id uint64) bool {
	if q.tiers == nil {
		return false
	}
	for t := range q.tiers {
		if q.tiers[t].Remove(id) {
			delete(q.waiters, id)
			return true
		}
	}
	return false
}

// publish makes the queue's length visible to the fast paths, one more
// while the policy holds them closed.
func (q *Queue) publish() {
	n := int64(q.len())
	if c, ok := q.policy.(closer); ok && c.Closed() {
		n++
	}
	q.waiting.Store(n)
}

// arrive grants room at once if nobody waits and the policy has some, else
// queues the caller (displacing the youngest waiter of a lower tier from a
// full queue) or refuses it.
func (q *Queue) arrive(m arrive) reply {
	// Announce a waiter before looking for room: a release gives its room
	// back first and reads Waiting second, so either we see its room or it
	// sees us and kicks.
	q.waiting.Store(int64(q.len() + 1))
	defer q.publish()
	if q.len() == 0 {
		if t, ok := q.policy.Take(); ok {
			return reply{granted: true, token: t}
		}
	}
	if r := q.policy.Refuse(q.len()); r != "" {
		return reply{reason: r}
	}
	if m.noWait || q.len() >= q.cfg.MaxWaiting && !q.displace(m.tier) {
		return reply{reason: q.cfg.Words.Full}
	}
	id := q.next
	q.next++
	if q.tiers == nil {
		q.tiers, q.waiters = new([Tiers]waitq.FIFO), make(map[uint64]chan verdict)
	}
	q.tiers[m.tier].Push(id)
	q.waiters[id] = m.ch
	q.serve()
	return reply{id: id, queued: true}
}

// displace takes the youngest waiter of the lowest tier below tier out of
// the queue and tells it so; it reports whether there was one.
func (q *Queue) displace(tier int) bool {
	return q.turnAway(tier+1, q.cfg.Words.Displaced)
}

// turnAway takes the youngest waiter of the lowest tier from tier down out
// of the queue and refuses it for reason; it reports whether there was
// one.
func (q *Queue) turnAway(tier int, reason string) bool {
	if q.tiers == nil {
		return false
	}
	for t := Tiers - 1; t >= tier; t-- {
		if q.tiers[t].Len() > 0 {
			id := q.tiers[t].PopBack()
			q.waiters[id] <- verdict{reason: reason} // capacity 1, one verdict per waiter: never blocks
			delete(q.waiters, id)
			return true
		}
	}
	return false
}

// serve grants room to waiters, highest tier and oldest first, while the
// policy has some.
func (q *Queue) serve() {
	for t := 0; q.tiers != nil && t < Tiers; {
		if q.tiers[t].Len() == 0 {
			t++
			continue
		}
		tok, ok := q.policy.Take()
		if !ok {
			break
		}
		id := q.tiers[t].Pop()
		q.waiters[id] <- verdict{token: tok, granted: true} // capacity 1: never blocks
		delete(q.waiters, id)
	}
	q.publish()
}
