package bulkhead

// request is the closed set of messages the bulkhead's actor takes.
type request interface{ isRequest() }

// enqueue asks for a slot, or a place in the queue; a queued caller's
// grant arrives on ch (capacity 1, one send per waiter).
type enqueue struct{ ch chan uint64 }

// leave takes a waiter whose context ended, or whose MaxWait passed, out
// of the queue.
type leave struct{ id uint64 }

// kick tells the actor that Release gave a slot back while callers wait:
// it hands free slots to waiters after every batch.
type kick struct{}

// getStats asks for the queue's length.
type getStats struct{}

func (enqueue) isRequest()  {}
func (leave) isRequest()    {}
func (kick) isRequest()     {}
func (getStats) isRequest() {}

// reply answers enqueue (granted at once, or queued as id, or neither: the
// queue is full), leave (removed: the waiter was still queued) and
// getStats (n waiters).
type reply struct {
	id      uint64
	token   uint64
	granted bool
	queued  bool
	removed bool
	n       int
}

// owner is the behaviour of the bulkhead's actor. The queue it serves
// lives in the Bulkhead, so a restart after a panic keeps every waiter.
type owner struct{ b *Bulkhead }

func (b *Bulkhead) newOwner() behavior { return owner{b: b} }

// Receive handles one request in the actor's goroutine.
func (o owner) Receive(m request) (reply, error) {
	b := o.b
	switch m := m.(type) {
	case enqueue:
		return b.enqueue(m), nil
	case leave:
		removed := b.q.Remove(m.id)
		if removed {
			delete(b.waiters, m.id)
			b.waiting.Store(int64(b.q.Len()))
		}
		return reply{removed: removed}, nil
	case getStats:
		return reply{n: b.q.Len()}, nil
	}
	return reply{}, nil
}

// EndBatch hands free slots to waiters.
func (o owner) EndBatch() { o.b.drain() }

// enqueue grants a slot at once if nobody waits and one is free, else
// queues the caller, or refuses it when the queue is full.
func (b *Bulkhead) enqueue(m enqueue) reply {
	// Announce a waiter before looking at the pool: Release gives its slot
	// back first and reads waiting second, so either we see its slot or it
	// sees us and kicks.
	b.waiting.Store(int64(b.q.Len() + 1))
	if b.q.Len() == 0 {
		if t, ok := b.permits.TryGrant(); ok {
			b.waiting.Store(0)
			return reply{granted: true, token: t}
		}
	}
	if b.q.Len() >= b.cfg.MaxWaiting {
		b.waiting.Store(int64(b.q.Len()))
		return reply{}
	}
	id := b.next
	b.next++
	b.q.Push(id)
	b.waiters[id] = m.ch
	return reply{id: id, queued: true}
}

// drain hands free slots to waiters, oldest first.
func (b *Bulkhead) drain() {
	for b.q.Len() > 0 {
		t, ok := b.permits.TryGrant()
		if !ok {
			b.waiting.Store(int64(b.q.Len()))
			return
		}
		id := b.q.Pop()
		ch := b.waiters[id]
		delete(b.waiters, id)
		ch <- t // capacity 1, one grant per waiter: never blocks
	}
	b.waiting.Store(0)
}
