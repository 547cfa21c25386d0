// Package cowlist is a copy-on-write list: readers take a snapshot with one
// atomic load and never wait; a writer publishes a new slice with
// CompareAndSwap. It suits lists that are read on every collection and
// added to rarely (the instances and subscribers an exporter reports).
package cowlist

import "sync/atomic"

// List is a copy-on-write list of T. The zero value is an empty List
// ready to use; a List is safe for concurrent use and must not be copied
// after first use.
type List[T any] struct {
	p atomic.Pointer[[]T]
}

// Load returns the items in the order added. The slice is a snapshot that
// no later Add changes; the caller must not change it either.
func (l *List[T]) Load() []T {
	if p := l.p.Load(); p != nil {
		return *p
	}
	return nil
}

// Add appends v, unless admit (called with the current items; it may run
// more than once when Adds race) returns false, which leaves the list as
// it is, or an error, which Add returns.
func (l *List[T]) Add(v T, admit func(items []T) (bool, error)) error {
	for {
		old := l.p.Load()
		var items []T
		if old != nil {
			items = *old
		}
		if ok, err := admit(items); !ok || err != nil {
			return err
		}
		next := append(append(make([]T, 0, len(items)+1), items...), v)
		if l.p.CompareAndSwap(old, &next) {
			return nil
		}
	}
}
