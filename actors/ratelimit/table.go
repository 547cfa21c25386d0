package ratelimit

import "sync/atomic"

// table is a shard's set of cells: open addressing with linear probing over
// atomic pointers. Only the owning actor writes slots (and replaces the
// whole table when it grows or shrinks); callers read it without locks.
// A caller may miss a cell that the owner is moving (a backward shift after
// an eviction, or a table being replaced): a miss is never wrong, only
// slower, because the caller then asks the owner, whose lookup is
// authoritative.
type table struct {
	slots []atomic.Pointer[cell]
	mask  uint64
}

const (
	minTableSize = 16
	maxProbes    = 32 // a caller gives up and asks the owner after this many
)

// emptyTable is the table of a shard that holds no key: no slot is ever
// written (the owner replaces it before it adds a cell).
var emptyTable = newTable(1)

func newTable(size int) *table {
	return &table{slots: make([]atomic.Pointer[cell], size), mask: uint64(size - 1)}
}

// lookup finds (key, rate) without locks, or returns nil.
func (t *table) lookup(h uint64, key string, r Rate) *cell {
	i := h & t.mask
	for range maxProbes {
		c := t.slots[i].Load()
		if c == nil {
			return nil
		}
		if c.hash == h && c.rate == r && c.key == key {
			return c
		}
		i = (i + 1) & t.mask
	}
	return nil
}

// The methods below run only in the owning actor.

// find returns the slot of (key, rate), probing to the end of its cluster.
func (t *table) find(h uint64, key string, r Rate) (*cell, uint64) {
	i := h & t.mask
	for {
		c := t.slots[i].Load()
		if c == nil {
			return nil, i
		}
		if c.hash == h && c.rate == r && c.key == key {
			return c, i
		}
		i = (i + 1) & t.mask
	}
}

// put stores c in the first free slot of its cluster (the table must have
// one).
func (t *table) put(c *cell) {
	i := c.hash & t.mask
	for t.slots[i].Load() != nil {
		i = (i + 1) & t.mask
	}
	t.slots[i].Store(c)
}

// remove empties slot i and shifts the rest of its cluster back so that no
// probe sequence is broken (no tombstones).
func (t *table) remove(i uint64) {
	for j := i; ; {
		j = (j + 1) & t.mask
		c := t.slots[j].Load()
		if c == nil {
			break
		}
		home := c.hash & t.mask
		// c may move to i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i].Store(c)
			i = j
		}
	}
	t.slots[i].Store(nil)
}

// resized returns a new table of size slots holding t's cells.
func (t *table) resized(size int) *table {
	n := newTable(size)
	for i := range t.slots {
		if c := t.slots[i].Load(); c != nil {
			n.put(c)
		}
	}
	return n
}
