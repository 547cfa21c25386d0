package bulkhead

// fifo is the queue of waiter ids, oldest first. It is owned by the actor.
type fifo struct {
	ids  []uint64
	head int
}

func (f *fifo) len() int { return len(f.ids) - f.head }

func (f *fifo) push(id uint64) { f.ids = append(f.ids, id) }

// pop removes and returns the oldest id; the queue must not be empty.
func (f *fifo) pop() uint64 {
	id := f.ids[f.head]
	f.head++
	f.compact()
	return id
}

// remove takes id out of the queue and reports whether it was there.
func (f *fifo) remove(id uint64) bool {
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
func (f *fifo) compact() {
	switch {
	case f.head == len(f.ids):
		f.ids, f.head = f.ids[:0], 0
	case f.head >= 64 && f.head*2 >= len(f.ids):
		n := copy(f.ids, f.ids[f.head:])
		f.ids, f.head = f.ids[:n], 0
	}
}
