package loadshed

import (
	"github.com/bulwark-go/bulwark/eventstream"
)

// request is the closed set of messages the shedder's actor takes.
type request interface{ isRequest() }

// enqueue asks for a slot or a place in the queue for a call of priority p;
// the verdict of a queued call arrives on ch (true: granted, false:
// displaced).
type enqueue struct {
	p  prio
	ch chan grant
}

// grant is the verdict of a queued call: a permit's token, or displaced
// (ok false).
type grant struct {
	token uint64
	ok    bool
}

// leave takes a waiter whose context ended out of the queue.
type leave struct{ id uint64 }

// kick asks the owner to hand free slots to waiters and to look at the
// load level (it does both after every batch of messages).
type kick struct{}

// getStats asks for the queue's length.
type getStats struct{}

func (enqueue) isRequest()  {}
func (leave) isRequest()    {}
func (kick) isRequest()     {}
func (getStats) isRequest() {}

// reply answers enqueue (granted at once, queued as id, or shed for
// reason), leave (removed) and getStats (queued).
type reply struct {
	id      uint64
	token   uint64
	granted bool
	queued  bool
	removed bool
	reason  string
	n       int
}

// owner is the behaviour of the shedder's actor. The queue it serves lives
// in the Shedder, so a restart after a panic keeps every waiter.
type owner struct{ s *Shedder }

func (s *Shedder) newOwner() behavior { return owner{s: s} }

// Receive handles one request in the actor's goroutine.
func (o owner) Receive(m request) (reply, error) {
	s := o.s
	switch m := m.(type) {
	case enqueue:
		return s.enqueue(m), nil
	case leave:
		removed := s.q.remove(m.id)
		if removed {
			delete(s.waiters, m.id)
			s.waiting.Store(int64(s.q.len()))
		}
		return reply{removed: removed}, nil
	case getStats:
		return reply{n: s.q.len()}, nil
	}
	return reply{}, nil
}

// EndBatch hands freed slots to waiters and publishes a load-level change.
func (o owner) EndBatch() {
	o.s.drain()
	o.s.publishLevel()
}

// enqueue admits m at once if nobody waits and a slot is free, else queues
// it (displacing a lower-priority waiter from a full queue) or sheds it.
func (s *Shedder) enqueue(m enqueue) reply {
	// Announce a waiter before looking at the pool: a Release gives its
	// slot back first and looks at waiting second, so either we see its
	// slot or it sees us and kicks.
	s.waiting.Store(int64(s.q.len() + 1))
	if s.q.len() == 0 {
		if t, ok := s.permits.TryGrant(); ok {
			s.waiting.Store(0)
			return reply{granted: true, token: t}
		}
	}
	id := s.next
	s.next++
	out, displaced, ok := s.q.push(id, m.p)
	if !ok {
		s.waiting.Store(int64(s.q.len()))
		return reply{reason: ReasonQueueFull}
	}
	if displaced {
		ch := s.waiters[out]
		delete(s.waiters, out)
		ch <- grant{}
	}
	s.waiters[id] = m.ch
	s.drain()
	return reply{id: id, queued: true}
}

// drain hands free slots to waiters in priority order.
func (s *Shedder) drain() {
	for s.q.len() > 0 {
		t, ok := s.permits.TryGrant()
		if !ok {
			s.waiting.Store(int64(s.q.len()))
			return
		}
		id, _ := s.q.pop()
		ch := s.waiters[id]
		delete(s.waiters, id)
		ch <- grant{token: t, ok: true} // capacity 1, one verdict per waiter: never blocks
	}
	s.waiting.Store(0)
}

// publishLevel publishes load_level_changed when the level moved since the
// last one it published.
func (s *Shedder) publishLevel() {
	s.dirty.Store(false)
	inflight := s.inflight()
	lvl := s.levelAt(inflight)
	old := LoadLevel(s.level.Load())
	if lvl == old {
		return
	}
	s.level.Store(uint32(lvl))
	s.eng.Publish(eventstream.Event{Type: eventstream.EventLoadLevelChanged, Pattern: Kind, Name: s.name,
		Fields: eventstream.Fields{OldState: old.String(), NewState: lvl.String(), Count: int64(inflight), Max: int64(s.max)}})
}
