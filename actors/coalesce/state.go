package coalesce

import (
	"sync/atomic"
)

// A flight is one shared execution. Its word counts the callers that
// joined it; the closed bit, set once by the execution when it has its
// result, stops further joins (a caller who finds a closed flight starts
// a new one). Joins and the close are CompareAndSwaps on the word, so
// every caller that joined is one the result will reach.
type flight[T any] struct {
	key  string
	word atomic.Uint64 // closed bit | joined callers
	done chan struct{} // closed after v and err are written
	v    T
	err  error
}

const closedBit = 1 << 63

// join adds a caller to f unless f is closed.
func (f *flight[T]) join() bool {
	for {
		w := f.word.Load()
		if w&closedBit != 0 {
			return false
		}
		if f.word.CompareAndSwap(w, w+1) {
			return true
		}
	}
}

// close stops joins.
func (f *flight[T]) close() { f.word.Or(closedBit) }

func (f *flight[T]) closed() bool { return f.word.Load()&closedBit != 0 }

// A shard's flights are an immutable list behind one atomic pointer: a
// new flight replaces the list with a copy that holds it and the open
// flights of the old list (closed ones are dropped). Two callers that race
// to start the same key both CompareAndSwap the same head: one wins, the
// other finds the winner's flight when it looks again. So a key has at
// most one open flight.
type node[T any] struct {
	f    *flight[T]
	next *node[T]
}

// find returns the open flight for key in the list at n, or nil.
func find[T any](n *node[T], key string) *flight[T] {
	for ; n != nil; n = n.next {
		if n.f.key == key && !n.f.closed() {
			return n.f
		}
	}
	return nil
}

// with returns a list holding f and the open flights of n.
func with[T any](n *node[T], f *flight[T]) *node[T] {
	head := &node[T]{f: f}
	tail := head
	for ; n != nil; n = n.next {
		if !n.f.closed() {
			tail.next = &node[T]{f: n.f}
			tail = tail.next
		}
	}
	return head
}

// without returns the open flights of n other than f, and whether n held
// any closed flight or f (when not, n can stay as it is).
func without[T any](n *node[T], f *flight[T]) (*node[T], bool) {
	var head, tail *node[T]
	changed := false
	for ; n != nil; n = n.next {
		if n.f == f || n.f.closed() {
			changed = true
			continue
		}
		c := &node[T]{f: n.f}
		if head == nil {
			head = c
		} else {
			tail.next = c
		}
		tail = c
	}
	return head, changed
}
