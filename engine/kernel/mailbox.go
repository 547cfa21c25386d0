package kernel

import (
	"runtime"
	"sync/atomic"
)

// InitialMailboxSize is the capacity a mailbox takes when its first
// message arrives; it doubles each time it fills, up to the actor's bound.
const InitialMailboxSize = 4

// mailbox is an actor's queue: a chain of buffered channels (segments)
// that grows with use, so an idle actor holds no buffer at all and a busy
// one holds room for what it is actually sent, never more than its bound.
//
// Senders (any goroutine) send into the newest segment, the tail. One that
// finds the tail full and smaller than the bound links a segment of twice
// its capacity after it and sends there; one that finds the tail full at
// the bound waits for room in it. The receiver (the actor's goroutine, one
// at a time) reads the oldest segment, the head, and moves to the next once
// the head is empty and no sender can still put a message in it; so every
// message is received, and the messages of one sender in the order sent.
// A linked segment is never written again: a sender announces itself in the
// segment's users count before it checks that the segment has no next, and
// the receiver leaves a segment only once it has a next, no users and no
// messages (atomic operations are sequentially consistent, so one of the
// two sees the other).
//
// When the receiver is about to wait with an empty tail larger than
// InitialMailboxSize, and its last quietBatches batches each found at most
// a quarter of that queued, it links a smaller one (the smallest
// power-of-two multiple of the initial size with room for twice the most
// it found): the mailbox shrinks back after a burst.
//
// Nothing here closes a channel; a mailbox outlives the goroutines that
// serve it.
type mailbox[T any] struct {
	tail atomic.Pointer[segment[T]] // newest segment: senders start here (nil: none yet, see start)
	head atomic.Pointer[segment[T]] // oldest segment: set by start, then written by the receiver only
	// wake holds a token when the receiver should look again: a segment
	// was linked (so the head it waits on may be left behind), or the
	// actor is draining. Capacity 1; sends never block. It is made by
	// the first receiver that waits on it (see wakeup), so a mailbox whose
	// actor runs on demand, which never waits, holds none.
	wake  atomic.Pointer[chan struct{}]
	bound int32 // largest capacity of a segment (at most LargestMailboxSize)
	// peak is the most messages the receiver found queued in one batch
	// during the current run of quiet batches, and quiet how many batches
	// long that run is (receiver only).
	peak, quiet int32
	// first is the first segment, in place: a new mailbox has no segment
	// (head and tail nil), and the sender of its first message makes
	// first's channel and publishes it (see start).
	first segment[T]
}

// segment is one channel of a mailbox's chain.
type segment[T any] struct {
	ch    chan T
	next  atomic.Pointer[segment[T]] // set once, by the sender or receiver that links it
	users atomic.Int32               // senders past their check of next and not done sending
	taken atomic.Bool                // a mailbox's first: a sender is making its channel
}

func (m *mailbox[T]) init(bound int) { m.bound = int32(bound) }

// fresh reports whether no message was ever sent to the mailbox: it has
// no segment yet.
func (m *mailbox[T]) fresh() bool { return m.head.Load() == nil }

// start gives a fresh mailbox its first segment and returns the tail.
// The sender that takes first makes its channel, which nobody reads
// before head points to first; one that races it makes a segment of its
// own. The first to set head wins, sets tail and pokes the receiver; the
// others set tail to head if it is still nil.
func (m *mailbox[T]) start() *segment[T] {
	if m.head.Load() == nil {
		size := min(InitialMailboxSize, int(m.bound))
		s := &m.first
		if m.first.taken.CompareAndSwap(false, true) {
			m.first.ch = make(chan T, size)
		} else {
			s = &segment[T]{ch: make(chan T, size)}
		}
		if m.head.CompareAndSwap(nil, s) {
			m.tail.CompareAndSwap(nil, s)
			m.poke()
			return m.tail.Load()
		}
		if s == &m.first {
			m.first.ch = nil // never published: nobody holds it
		}
	}
	if t := m.tail.Load(); t != nil {
		return t
	}
	m.tail.CompareAndSwap(nil, m.head.Load())
	return m.tail.Load()
}

// poke leaves the receiver a token; it never blocks.
func (m *mailbox[T]) poke() {
	if w := m.wake.Load(); w != nil {
		select {
		case *w <- struct{}{}:
		default:
		}
	}
}

// wakeup returns the channel poke leaves its tokens in, making it, with a
// token already in (a poke before it existed is not lost), if there is
// none yet. Receiver only.
func (m *mailbox[T]) wakeup() <-chan struct{} {
	if w := m.wake.Load(); w != nil {
		return *w
	}
	w := make(chan struct{}, 1)
	w <- struct{}{}
	m.wake.Store(&w)
	return w
}

// trySend puts v in the mailbox if there is room, growing it if it is
// full below its bound, and reports whether it did. When it did not, the
// mailbox is full at its bound and trySend returns the full segment with
// one user counted for the caller, who must wait to send into it (or give
// up) and then call s.users.Add(-1).
func (m *mailbox[T]) trySend(v T) (ok bool, full *segment[T]) {
	for {
		s := m.tail.Load()
		if s == nil {
			s = m.start()
		}
		s.users.Add(1)
		if n := s.next.Load(); n != nil {
			s.users.Add(-1)
			m.tail.CompareAndSwap(s, n)
			continue
		}
		select {
		case s.ch <- v:
			s.users.Add(-1)
			return true, nil
		default:
		}
		if cap(s.ch) >= int(m.bound) {
			return false, s
		}
		s.users.Add(-1)
		m.link(s, min(max(2*cap(s.ch), InitialMailboxSize), int(m.bound)))
	}
}

// link makes a segment of capacity size the one after s, unless another
// goroutine linked one first, and pokes the receiver.
func (m *mailbox[T]) link(s *segment[T], size int) {
	if s.next.Load() != nil {
		return
	}
	n := &segment[T]{ch: make(chan T, size)}
	if s.next.CompareAndSwap(nil, n) {
		m.tail.CompareAndSwap(s, n)
		m.poke()
	}
}

// settle moves the head past segments that are linked, empty and free of
// senders, and returns the head: a segment that holds a message or is the
// tail (nil while the mailbox is fresh). If it is the tail, empty and
// oversized for what the receiver has seen since it last settled, settle
// links a smaller one first. Receiver only.
func (m *mailbox[T]) settle() *segment[T] {
	shrunk := false
	for {
		h := m.head.Load()
		if h == nil {
			return nil
		}
		n := h.next.Load()
		if n == nil {
			if !shrunk && len(h.ch) == 0 && cap(h.ch) > InitialMailboxSize && m.quiet >= quietBatches {
				size := InitialMailboxSize
				for size < 2*int(m.peak) {
					size *= 2
				}
				m.link(h, size)
				m.peak, m.quiet = 0, 0
				shrunk = true
				continue
			}
			return h
		}
		if len(h.ch) > 0 {
			return h
		}
		if h.users.Load() != 0 {
			runtime.Gosched() // a sender is between its check and its send
			continue
		}
		if len(h.ch) > 0 {
			return h
		}
		m.head.Store(n)
	}
}

// ready returns the channel of the settled head, which the receiver
// waits on: nil (never ready) while the mailbox is fresh. Receiver only.
func (m *mailbox[T]) ready() chan T {
	if h := m.settle(); h != nil {
		return h.ch
	}
	return nil
}

// tryRecv takes the oldest message if there is one. Receiver only.
func (m *mailbox[T]) tryRecv() (v T, ok bool) {
	h := m.settle()
	if h == nil {
		return v, false
	}
	select {
	case v = <-h.ch:
		return v, true
	default:
		return v, false
	}
}

// quietBatches is how many batches in a row must find at most a quarter
// of the newest segment queued before the mailbox shrinks.
const quietBatches = 4

// noteQueued records that the receiver found n messages queued in a batch.
func (m *mailbox[T]) noteQueued(n int) {
	if n > cap(m.tail.Load().ch)/4 {
		m.peak, m.quiet = 0, 0
		return
	}
	m.peak = max(m.peak, int32(n))
	m.quiet++
}

// Len returns how many messages wait, over every segment.
func (m *mailbox[T]) Len() int {
	n := 0
	for s := m.head.Load(); s != nil; s = s.next.Load() {
		n += len(s.ch)
	}
	return n
}

// Cap returns the capacity of the newest segment.
func (m *mailbox[T]) Cap() int {
	if t := m.tail.Load(); t != nil {
		return cap(t.ch)
	}
	return 0
}
