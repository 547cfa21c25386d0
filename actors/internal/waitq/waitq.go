// Package waitq holds what the admission patterns (bulkhead, load shedder,
// backpressure, adaptive limiter) share: the queue of waiters their actors
// keep (FIFO: ids in arrival order, owned by one actor goroutine, so it
// needs no lock), and the Ledger that makes their permits tokens and, with
// a limit, is the pool of their free slots.
package waitq

// FIFO is a queue of waiter ids, oldest first. Its zero value is an empty
// queue. It is not safe for concurrent use: one actor owns it.
type FIFO struct {
	ids  []uint64
	head int
}

// Len returns how many ids are queued.
func (f *FIFO) Len() int { return len(f.ids) - f.head }

// Push queues id as the youngest.
func (f *FIFO) Push(id uint64) { f.ids = append(f.ids, id) }

// Pop removes and returns the oldest id; the queue must not be empty.
func (f *FIFO) Pop() uint64 {
	id := f.ids[f.head]
	f.head++
	f.compact()
	return id
}

// PopBack removes and returns the youngest id; the queue must not be
// empty.
func (f *FIFO) PopBack() uint64 {
	id := f.ids[len(f.ids)-1]
	f.ids = f.ids[:len(f.ids)-1]
	f.compact()
	return id
}

// Remove takes id out of the queue and reports whether it was there.
func (f *FIFO) Remove(id uint64) bool {
	for i := f.head; i < len(f.ids); i++ {
		if f.ids[i] == id {
			copy(f.ids[i:], f.ids[i+1:])
			f.ids = f.ids[:len(f.ids)-1]
			f.compact()
			return true
		}
	}
	return false
}

// compact reuses the slice once the queue is empty, or once more than half
// of it is spent, so a long-lived queue does not grow without bound.
func (f *FIFO) compact() {
	switch {
	case f.head == len(f.ids):
		f.ids, f.head = f.ids[:0], 0
	case f.head >= 64 && f.head*2 >= len(f.ids):
		n := copy(f.ids, f.ids[f.head:])
		f.ids, f.head = f.ids[:n], 0
	}
}
