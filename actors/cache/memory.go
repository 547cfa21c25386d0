package cache

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// maxFree bounds the queue of emptied slots; an emptied slot that does not
// fit is found by the hand instead.
const maxFree = 4096

// EntryOverhead is the size a MemoryStore charges each entry besides its
// key and its value's variable part.
const EntryOverhead = 128

// MemoryStore is the default Store: in-process, holding at most
// MaxEntries entries whose sizes add up to at most MaxBytes.
//
// Eviction is CLOCK (second chance): entries sit in a ring of MaxEntries
// slots. A Set takes an empty slot while there is one (never used, or
// emptied by a Delete or an eviction for bytes); in a full ring a hand
// sweeps it and the Set takes the first slot that holds an entry not read
// since the hand last passed (a read marks its entry), or one replaced or
// deleted. A marked entry loses its mark and
// is passed over once; after two full turns the hand takes any slot. A
// Set that needs bytes evicts the same way until its entry fits; an
// entry larger than MaxBytes is not stored.
//
// MemoryStore takes no lock: the ring's slots are atomic pointers the
// hand moves by CompareAndSwap, the key index is a sync.Map, and the
// bytes in use are reserved by CompareAndSwap before an entry is placed,
// so MaxBytes holds at every instant. The index may hold, for an instant,
// one entry more per Set in progress. Safe for concurrent use; it has no
// goroutine.
type MemoryStore[V any] struct {
	slots   []atomic.Pointer[node[V]]
	unused  atomic.Int64 // slots below it have been handed out once
	free    chan int     // slots emptied by Delete or by eviction for bytes
	hand    atomic.Uint64
	bytes   atomic.Int64
	entries atomic.Int64
	evicted atomic.Uint64
	index   sync.Map // string → *node[V]
	max     int64
	sizer   func(key string, e *Entry[V]) int64
}

type node[V any] struct {
	key  string
	e    *Entry[V]
	size int64
	slot int
	ref  atomic.Bool // read since the hand last passed
	dead atomic.Bool // replaced or deleted: first to go
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore[V any](cfg MemoryConfig) (*MemoryStore[V], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &MemoryStore[V]{slots: make([]atomic.Pointer[node[V]], cfg.MaxEntries), max: cfg.MaxBytes,
		free: make(chan int, min(cfg.MaxEntries, maxFree)), sizer: defaultSize[V]}, nil
}

// Sizer returns s measuring entries with size (at least 1 a call; it must
// be safe for concurrent use). Call it before s is used.
func (s *MemoryStore[V]) Sizer(size func(key string, e *Entry[V]) int64) *MemoryStore[V] {
	if size != nil {
		s.sizer = size
	}
	return s
}

// defaultSize is len(key) + EntryOverhead + the value's fixed size + a
// string's or byte slice's length.
func defaultSize[V any](key string, e *Entry[V]) int64 {
	n := int64(len(key)) + EntryOverhead + int64(unsafe.Sizeof(e.Value))
	switch v := any(e.Value).(type) {
	case string:
		n += int64(len(v))
	case []byte:
		n += int64(len(v))
	}
	return n
}

// Get returns key's entry and marks it read.
func (s *MemoryStore[V]) Get(key string) (*Entry[V], bool) {
	v, ok := s.index.Load(key)
	if !ok {
		return nil, false
	}
	n := v.(*node[V])
	if !n.ref.Load() {
		n.ref.Store(true)
	}
	return n.e, true
}

// Set stores e under key, evicting by CLOCK as needed; see MemoryStore.
func (s *MemoryStore[V]) Set(key string, e *Entry[V]) {
	if e == nil {
		return
	}
	n := &node[V]{key: key, e: e, size: max(1, s.sizer(key, e))}
	if n.size > s.max || !s.reserve(n.size) {
		return
	}
	s.place(n)
	if prev, loaded := s.index.Swap(key, n); loaded {
		s.drop(prev.(*node[V]))
	}
	if s.slots[n.slot].Load() != n { // evicted before it was indexed
		s.index.CompareAndDelete(key, n)
	}
}

// Delete removes key's entry.
func (s *MemoryStore[V]) Delete(key string) {
	if v, ok := s.index.LoadAndDelete(key); ok {
		s.drop(v.(*node[V]))
	}
}

// Len returns how many entries the ring holds.
func (s *MemoryStore[V]) Len() int { return int(s.entries.Load()) }

// Bytes returns the sizes of the entries held (and reserved by Sets in
// progress), added up.
func (s *MemoryStore[V]) Bytes() int64 { return s.bytes.Load() }

// Evicted returns how many entries the hand has evicted.
func (s *MemoryStore[V]) Evicted() uint64 { return s.evicted.Load() }

// drop frees n's slot at once if it still holds n.
func (s *MemoryStore[V]) drop(n *node[V]) {
	n.dead.Store(true)
	if s.slots[n.slot].CompareAndSwap(n, nil) {
		s.release(n)
		s.freed(n.slot)
	}
}

// release returns what n held; its slot has been cleared or taken.
func (s *MemoryStore[V]) release(n *node[V]) {
	s.index.CompareAndDelete(n.key, n)
	s.bytes.Add(-n.size)
	s.entries.Add(-1)
}

// reserve claims size bytes, evicting until they fit; false when the
// hand found nothing more to evict.
func (s *MemoryStore[V]) reserve(size int64) bool {
	for {
		cur := s.bytes.Load()
		if cur+size <= s.max {
			if s.bytes.CompareAndSwap(cur, cur+size) {
				return true
			}
			continue
		}
		if !s.sweep(nil) {
			return false
		}
	}
}

// place puts n in a slot: an empty one if any is known, else by the hand.
func (s *MemoryStore[V]) place(n *node[V]) {
	if s.unused.Load() < int64(len(s.slots)) {
		if i := s.unused.Add(1) - 1; i < int64(len(s.slots)) && s.take(int(i), n) {
			return
		}
	}
	for {
		select {
		case i := <-s.free:
			if s.take(i, n) {
				return
			}
		default:
			s.sweep(n)
			return
		}
	}
}

// take puts n in slot i if it is empty.
func (s *MemoryStore[V]) take(i int, n *node[V]) bool {
	n.slot = i
	if !s.slots[i].CompareAndSwap(nil, n) {
		return false
	}
	s.entries.Add(1)
	return true
}

// freed offers emptied slot i to the next Set.
func (s *MemoryStore[V]) freed(i int) {
	select {
	case s.free <- i:
	default:
	}
}

// sweep moves the hand to the next slot it may take and swaps n into it
// (n nil: empties it). It reports false when, n being nil, two full turns
// found no entry to evict.
func (s *MemoryStore[V]) sweep(n *node[V]) bool {
	size := uint64(len(s.slots))
	for step := uint64(0); ; step++ {
		if n == nil && step >= 2*size {
			return false
		}
		i := int(s.hand.Add(1) % size)
		old := s.slots[i].Load()
		if old == nil && n == nil {
			continue
		}
		if old != nil && step < 2*size && !old.dead.Load() && old.ref.Load() {
			old.ref.Store(false)
			continue
		}
		if n != nil {
			n.slot = i
		}
		if !s.slots[i].CompareAndSwap(old, n) {
			continue
		}
		if n != nil {
			s.entries.Add(1)
		}
		if old != nil {
			s.evicted.Add(1)
			s.release(old)
		}
		if n == nil {
			s.freed(i)
		}
		return true
	}
}

var _ Store[int] = (*MemoryStore[int])(nil)
