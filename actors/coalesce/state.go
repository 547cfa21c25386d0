package coalesce

import (
	"time"
)

// A flight is one shared execution. Its word (ctx.word) holds the closed
// bit, set once by the execution when it has its result, which stops
// further joins (a caller who finds a closed flight starts a new one, or
// reuses its result while it is kept). A caller joins by finding the bit
// clear: the handshake of waitChan and wakeAll makes sure the result
// reaches it. The word lives in the context so that the context knows,
// without a word of its own, when the execution has returned.
type flight[T any] struct {
	key string
	v   T
	// out is the rest of the result, when there is one: written before
	// the close, read once the flight is seen closed.
	out   *outcome
	alone node[T] // the flight's node in a list that holds it alone
	ctx   execCtx // the context the execution runs under
}

// waited is a flight whose leader will wait for it, made with its side
// in one allocation.
type waited[T any] struct {
	f flight[T]
	s side
}

// makeFlight returns a new flight for key; one whose leader will wait
// for it (wait) comes with its side.
func makeFlight[T any](key string, wait bool) *flight[T] {
	if !wait {
		f := &flight[T]{key: key}
		f.alone.f = f
		return f
	}
	w := &waited[T]{f: flight[T]{key: key}, s: side{wake: make(chan struct{})}}
	w.f.alone.f = &w.f
	w.f.ctx.side.Store(&w.s)
	return &w.f
}

// outcome is what a result holds beyond its value, when it does: an
// error, or until when a success is kept for reuse. A success that is
// not kept, the common result, has none (nil), so its flight is smaller.
type outcome struct {
	err error
	// keep is the offset on the Group's timing until which the result
	// may be reused (0: not kept).
	keep time.Duration
}

// close publishes the rest of f's result, o (nil: a success not kept),
// and stops joins.
func (f *flight[T]) close(o *outcome) {
	f.out = o
	f.ctx.word.Or(closedBit)
}

func (f *flight[T]) closed() bool { return f.ctx.closed() }

// result returns f's result; f is closed.
func (f *flight[T]) result() (T, error) {
	if f.out != nil {
		return f.v, f.out.err
	}
	return f.v, nil
}

// gone reports whether f has no place in a list at now: closed and not
// kept.
func (f *flight[T]) gone(now time.Duration) bool { return f.closed() && !f.keptAt(now) }

// keptAt reports whether f, closed, has its result kept at now.
func (f *flight[T]) keptAt(now time.Duration) bool {
	o := f.out
	return o != nil && o.keep != 0 && now < o.keep
}

// closedChan is an already closed channel: what a waiter waits on when
// the result is in.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// waitChan returns a channel that is closed once f's result is in. With
// wakeAll it is Dekker's handshake: a waiter installs (or finds) the
// side that holds the channel, then looks at the closed bit; the
// execution sets the bit, then looks for a side. Under any interleaving
// one sees the other: a waiter who finds f closed does not wait, and a
// channel the execution did not see is one nobody waits on.
func (f *flight[T]) waitChan() <-chan struct{} {
	s := f.ctx.side.Load()
	if s == nil {
		if f.closed() {
			return closedChan
		}
		s = f.ctx.makeSide()
	}
	if f.closed() {
		return closedChan
	}
	return s.wake
}

// wakeAll releases the waiting callers; f's result is written and f
// closed. It runs once per flight: with nobody waiting it is one load.
func (f *flight[T]) wakeAll() {
	if s := f.ctx.side.Load(); s != nil {
		close(s.wake)
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
func find[T any](n *node[T], key string, now time.Duration) *flight[T] {
	for ; n != nil; n = n.next {
		if n.f.key == key && !n.f.gone(now) {
			return n.f
		}
	}
	return nil
}

// with returns a list holding f and, after it, the flights of n that are
// not gone at now.
func with[T any](n *node[T], f *flight[T], now time.Duration) *node[T] {
	rest, _ := without(n, nil, now)
	if rest == nil {
		return &f.alone
	}
	return &node[T]{f: f, next: rest}
}

// without returns the flights of n other than f that are not gone at
// now, in order, and whether n held f or a gone flight (when not, n can
// stay as it is).
func without[T any](n *node[T], f *flight[T], now time.Duration) (*node[T], bool) {
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
