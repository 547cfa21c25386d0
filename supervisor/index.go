package supervisor

import (
	"hash/maphash"
	"sync/atomic"
)

// index is the supervisor's read-mostly name registry: any goroutine reads
// it without a message to the supervisor and without allocating; only the
// supervisor's goroutine writes it.
//
// It is a table of shards, each an immutable slice of entries published
// through an atomic pointer; a look-up hashes the key once, picks the
// shard and compares hashes, then names. Adding a child copies the one
// slice of its shard and publishes the copy, so readers never see a shard
// being written and an insert copies a few entries, not the registry. When the shards hold more
// than shardLoad entries on average the writer builds a table with twice as
// many shards and publishes it whole (amortised, each entry is moved a
// constant number of times).
type index struct {
	table atomic.Pointer[table]
	count int // entries (writer only)
	seq   uint64
}

// table is one generation of the index's shards.
type table struct {
	seed   maphash.Seed
	shards []atomic.Pointer[[]*entry] // a power of two long
}

// shardLoad is the most entries a shard holds on average before the
// table doubles; initialShards is the number of shards a new index has.
const (
	shardLoad     = 8
	initialShards = 16
)

// entry is the index's record of a started child. Kind, name, handle,
// the first config and seq never change; status and restarts are written by
// the supervisor's goroutine as the child's life goes on; reconfigured is
// written by SetConfig (the child's own goroutine) and is nil until then,
// so a child never reconfigured costs no allocation for it.
type entry struct {
	key          key
	hash         uint64 // of key, under the seed of every table (see hash)
	seq          uint64 // creation order
	handle       any
	config       any
	reconfigured atomic.Pointer[any]
	status       atomic.Uint32
	restarts     atomic.Int64
}

// currentConfig is the child's config: the last one SetConfig recorded,
// else the one it was created with.
func (e *entry) currentConfig() any {
	if p := e.reconfigured.Load(); p != nil {
		return *p
	}
	return e.config
}

func (e *entry) view() Child {
	return Child{Kind: e.key.kind, Name: e.key.name, Status: Status(e.status.Load()),
		Restarts: int(e.restarts.Load()), Handle: e.handle, Config: e.currentConfig()}
}

func newTable(shards int) *table {
	return &table{shards: make([]atomic.Pointer[[]*entry], shards)}
}

// seed hashes keys in every table of every index; a table picks a shard
// by the low bits of the hash.
var seed = maphash.MakeSeed()

func hash(k key) uint64 {
	return maphash.String(seed, k.name) ^ maphash.String(seed, k.kind)*0x9e3779b97f4a7c15
}

func (t *table) shard(h uint64) *atomic.Pointer[[]*entry] {
	return &t.shards[h&uint64(len(t.shards)-1)]
}

func (ix *index) init() { ix.table.Store(newTable(initialShards)) }

// clear empties the index. Writer only.
func (ix *index) clear() {
	ix.init()
	ix.count = 0
}

// get returns the entry of k, if any. Any goroutine.
func (ix *index) get(k key) *entry {
	h := hash(k)
	p := ix.table.Load().shard(h).Load()
	if p == nil {
		return nil
	}
	for _, e := range *p {
		if e.hash == h && e.key == k {
			return e
		}
	}
	return nil
}

// add records a started child and returns its entry. Writer only.
func (ix *index) add(k key, handle, config any) *entry {
	ix.seq++
	e := &entry{key: k, hash: hash(k), seq: ix.seq, handle: handle, config: config}
	t := ix.table.Load()
	if ix.count+1 > shardLoad*len(t.shards) {
		t = ix.grow(t)
	}
	s := t.shard(e.hash)
	var old []*entry
	if p := s.Load(); p != nil {
		old = *p
	}
	next := append(make([]*entry, 0, len(old)+1), old...)
	next = append(next, e)
	s.Store(&next)
	ix.count++
	return e
}

// grow publishes a table with twice as many shards as t, holding the same
// entries, and returns it. Writer only.
func (ix *index) grow(t *table) *table {
	n := newTable(2 * len(t.shards))
	parts := make([][]*entry, len(n.shards))
	t.each(func(e *entry) {
		i := e.hash & uint64(len(parts)-1)
		parts[i] = append(parts[i], e)
	})
	for i := range parts {
		if parts[i] != nil {
			n.shards[i].Store(&parts[i])
		}
	}
	ix.table.Store(n)
	return n
}

// each calls f with every entry of t, in no order.
func (t *table) each(f func(*entry)) {
	for i := range t.shards {
		if p := t.shards[i].Load(); p != nil {
			for _, e := range *p {
				f(e)
			}
		}
	}
}
