package coalesce

import (
	"sync/atomic"
)

// A flight is one shared execution. Its word (ctx.word) counts the
// followers that joined it; the closed bit, set once by the execution when
// it has its result, stops further joins (a caller who finds a closed
// flight starts a new one, or reuses its result while it is kept). Joins
// and the close are CompareAndSwaps on the word, so every caller that
// joined is one the result will reach. The word lives in the context so
// that the context knows, without a word of its own, when the execution
// has returned.
type flight[T any] struct {
	key string
	// wake is the channel the waiting callers block on, made by the
	// first waiter; closed by wakeAll.
	wake atomic.Pointer[chan struct{}]
	v    T
	err  error
	// keep is, for a success kept for reuse, the clock's UnixNano until
	// which it may be reused (0: not kept). Written before the close.
	keep  int64
	alone node[T] // the flight's node in a list that holds it alone
	ctx   execCtx // the context the execution runs under
}

const closedBit = 1 << 63

// join adds a follower to f unless f is closed.
func (f *flight[T]) join() bool {
	for {
		w := f.ctx.word.Load()
		if w&closedBit != 0 {
			return false
		}
		if f.ctx.word.CompareAndSwap(w, w+1) {
			return true
		}
	}
}

// close stops joins.
func (f *flight[T]) close() { f.ctx.word.Or(closedBit) }

func (f *flight[T]) closed() bool { return f.ctx.closed() }

// reusable reports whether f is closed and its result kept at now (the
// clock's UnixNano).
func (f *flight[T]) reusable(now int64) bool { return f.closed() && now < f.keep }

// gone reports whether f has no place in a list at now: closed and not
// kept.
func (f *flight[T]) gone(now int64) bool { return f.closed() && now >= f.keep }

// closedChan is an already closed channel: what a waiter waits on when
// the result is in.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// waitChan returns a channel that is closed once f's result is in. With
// wakeAll it is Dekker's handshake: a waiter installs (or finds) the
// channel, then looks at the closed bit; the execution sets the bit, then
// looks for a channel to close. Under any interleaving one sees the
// other: a waiter who finds f closed does not wait, and a channel the
// execution did not see is one nobody waits on.
func (f *flight[T]) waitChan() <-chan struct{} {
	p := f.wake.Load()
	if p == nil && !f.closed() {
		ch := make(chan struct{})
		if f.wake.CompareAndSwap(nil, &ch) {
			p = &ch
		} else {
			p = f.wake.Load()
		}
	}
	if p == nil || f.closed() {
		return closedChan
	}
	return *p
}

// wakeAll releases the waiting callers; f's result is written and f
// closed. It runs once per flight: with nobody waiting it is one load.
func (f *flight[T]) wakeAll() {
	if p := f.wake.Load(); p != nil {
		close(*p)
	}
}

// A shard's flights are an immutable list behind one atomic pointer: a
// new flight replaces the list with one that holds it and the flights of
// the old list still open or kept (lists share their tails: no node is
// changed once published). Two callers that race to start the
// same key both CompareAndSwap the same head: one wins, the other finds
// the winner's flight when it looks again. So a key has at most one open
// flight, and none while a kept result of it may be reused. A flight
// alone in its list is its own node (no allocation).
type node[T any] struct {
	f    *flight[T]
	next *node[T]
}

// find returns the flight for key in the list at n that is open, or
// closed with its result kept at now; or nil.
func find[T any](n *node[T], key string, now int64) *flight[T] {
	for ; n != nil; n = n.next {
		if n.f.key == key && !n.f.gone(now) {
			return n.f
		}
	}
	return nil
}

// with returns a list holding f and, after it, the flights of n that are
// not gone at now.
func with[T any](n *node[T], f *flight[T], now int64) *node[T] {
	rest, _ := without(n, nil, now)
	if rest == nil {
		return &f.alone
	}
	return &node[T]{f: f, next: rest}
}

// without returns the flights of n other than f that are not gone at
// now, in order, and whether n held f or a gone flight (when not, n can
// stay as it is).
func without[T any](n *node[T], f *flight[T], now int64) (*node[T], bool) {
	changed := false
	for m := n; m != nil; m = m.next {
		if m.f == f || m.f.gone(now) {
			changed = true
			break
		}
	}
	if !changed {
		return n, false
	}
	var head, tail *node[T]
	for ; n != nil; n = n.next {
		if n.f == f || n.f.gone(now) {
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
	if head != nil && head.next == nil {
		return &head.f.alone, true
	}
	return head, true
}
