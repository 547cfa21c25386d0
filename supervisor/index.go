package supervisor

import (
	"context"
	"hash/maphash"
	"runtime"
	"sync/atomic"
	"time"
)

// index is the supervisor's read-mostly name registry: any goroutine reads
// it without a message to the supervisor and without allocating, and the
// caller that creates a name writes it, with a CompareAndSwap.
//
// It is a table of shards, each an immutable slice of entries published
// through an atomic pointer; a look-up hashes the key once, picks the
// shard and compares hashes, then names. Adding or removing an entry
// copies the one slice of its shard and swaps the copy in if the shard has
// not changed meanwhile (else it tries again), so readers never see a
// shard being written and an insert copies a few entries, not the
// registry. When the shards hold more than shardLoad entries on average,
// the caller whose insert crossed that line builds a table with twice as
// many shards: it freezes every shard of the old table (a frozen shard
// still answers readers, and writers wait for the new table), copies the
// entries and publishes the new table whole (amortised, each entry is
// moved a constant number of times).
type index struct {
	table atomic.Pointer[table]
	count atomic.Int64  // entries
	seq   atomic.Uint64 // the last creation number given out
}

// table is one generation of the index's shards.
type table struct {
	shards  []atomic.Pointer[shard] // a power of two long
	growing atomic.Bool             // a writer is building the next table
}

// shard is one immutable bucket of entries. A frozen shard is never
// written again: its table is being replaced.
type shard struct {
	slots  []slot
	frozen bool
}

// slot is an entry and its key's hash, kept beside it so that a look-up
// reads one entry only, the one whose hash matches.
type slot struct {
	hash uint64
	e    *entry
}

// shardLoad is the most entries a shard holds on average before the
// table doubles; initialShards is the number of shards a new index has.
const (
	shardLoad     = 8
	initialShards = 16
)

// entry is a child: the index's record of it, which any goroutine reads,
// and the supervisor's, which its goroutine owns once the child runs.
//
// The caller that reserves a name creates its entry, starting; kind,
// name, hash, seq and the first config never change after that, nor
// handle and the service fields once the entry has left starting (a Start
// that failed leaves its error in handle, and the status startFailed). status
// and restarts are written by the supervisor's goroutine as the child's
// life goes on; reconfigured is written by SetConfig (the child's own
// goroutine) and is nil until then, so a child never reconfigured costs no
// allocation for it.
type entry struct {
	key          key
	seq          uint64 // creation order
	handle       any
	config       any
	reconfigured atomic.Pointer[any]
	status       atomic.Uint32 // a Status, or starting or startFailed
	// attached says that the child is OnDemand and Graceful: it runs
	// under the supervisor's shared context, and its first goroutine
	// starts at its first wake (see create); onDemand that it is served
	// by ServeOnDemand, only while it has work (Options.OnDemand).
	attached, onDemand bool
	// sup is the supervisor of an attached child (see Wake).
	sup      *Supervisor
	restarts atomic.Int64
	// wait is nil until a caller waits for the entry's Start, then that
	// caller's channel, and closedMark once Start has returned.
	wait atomic.Pointer[chan struct{}]

	// Owned by the supervisor's goroutine once the child runs (written
	// by the creating caller before that).
	svc Service
	// few holds what few children need (see extra); nil until then.
	few *extra
	// exited is nil until Shutdown waits for the child to finish, then
	// its channel, and closedMark once the child is Failed or Stopped.
	exited atomic.Pointer[chan struct{}]
}

// extra is what an entry holds for the few children that need it.
type extra struct {
	// cancel ends the current Serve's context of a child that is not
	// attached (attached ones share the supervisor's).
	cancel context.CancelFunc
	// restartT holds the restart times within the window, once there
	// has been one.
	restartT []time.Time
}

// extra returns e.few, making it if needed. The supervisor's goroutine,
// or the creating caller before the child runs.
func (e *entry) extra() *extra {
	if e.few == nil {
		e.few = &extra{}
	}
	return e.few
}

// cancelServe ends the context of e's current Serve if it has its own,
// and reports whether it had.
func (e *entry) cancelServe() bool {
	if e.few == nil || e.few.cancel == nil {
		return false
	}
	e.few.cancel()
	return true
}

// starting is the status of an entry whose Start has not returned, and
// startFailed that of one whose Start failed: the look-ups skip them,
// GetOrCreate waits for the first.
const (
	starting    = 1 << 8
	startFailed = starting + 1
)

// closedMark, in entry.wait or entry.exited, says that what they wait for
// has happened.
var closedMark = func() *chan struct{} {
	c := make(chan struct{})
	close(c)
	return &c
}()

// signal returns the channel closed once what *p waits for has happened,
// making it if no one has asked before (see mark).
func signal(p *atomic.Pointer[chan struct{}]) <-chan struct{} {
	w := p.Load()
	if w == nil {
		c := make(chan struct{})
		if w = &c; !p.CompareAndSwap(nil, w) {
			w = p.Load() // another caller's, or closedMark
		}
	}
	return *w
}

// mark says that what *p waits for has happened, and wakes those waiting.
// It is called once for each p.
func mark(p *atomic.Pointer[chan struct{}]) {
	if w := p.Swap(closedMark); w != nil {
		close(*w)
	}
}

// await waits until e's Start has returned or ctx ends.
func (e *entry) await(ctx context.Context) error {
	select {
	case <-signal(&e.wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// currentConfig is the child's config: the last one SetConfig recorded,
// else the one it was created with.
func (e *entry) currentConfig() any {
	if p := e.reconfigured.Load(); p != nil {
		return *p
	}
	return e.config
}

// started reports whether e's Start has returned and e is a child.
func (e *entry) started() bool { return e.status.Load() < starting }

func (e *entry) view() Child {
	return Child{Kind: e.key.kind, Name: e.key.name, Status: Status(e.status.Load()),
		Restarts: int(e.restarts.Load()), Handle: e.handle, Config: e.currentConfig()}
}

func newTable(shards int) *table {
	return &table{shards: make([]atomic.Pointer[shard], shards)}
}

// seed hashes keys in every table of every index; a table picks a shard
// by the low bits of the hash.
var seed = maphash.MakeSeed()

func hash(k key) uint64 {
	return maphash.String(seed, k.name) ^ maphash.String(seed, k.kind)*0x9e3779b97f4a7c15
}

func (t *table) shard(h uint64) *atomic.Pointer[shard] {
	return &t.shards[h&uint64(len(t.shards)-1)]
}

func (ix *index) init() { ix.table.Store(newTable(initialShards)) }

// clear empties the index.
func (ix *index) clear() {
	ix.init()
	ix.count.Store(0)
}

// get returns the entry of k, starting or not, if any. Any goroutine.
func (ix *index) get(k key, h uint64) *entry {
	p := ix.table.Load().shard(h).Load()
	if p == nil {
		return nil
	}
	for _, sl := range p.slots {
		if sl.hash == h && sl.e.key == k {
			return sl.e
		}
	}
	return nil
}

// reserve returns the entry of k, whose hash is h, if there is one, and
// false; else it adds a starting entry for k with config and returns it,
// and true. The new entry has its creation number. Any goroutine.
func (ix *index) reserve(k key, h uint64, config any) (*entry, bool) {
	var e *entry
	for {
		t := ix.table.Load()
		s := t.shard(h)
		old := s.Load()
		var slots []slot
		if old != nil {
			for _, sl := range old.slots {
				if sl.hash == h && sl.e.key == k {
					return sl.e, false
				}
			}
			if old.frozen {
				ix.awaitGrowth(t)
				continue
			}
			slots = old.slots
		}
		if e == nil {
			e = &entry{key: k, config: config}
			e.status.Store(starting)
		}
		e.seq = ix.seq.Add(1)
		next := &shard{slots: append(make([]slot, 0, len(slots)+1), slots...)}
		next.slots = append(next.slots, slot{h, e})
		if s.CompareAndSwap(old, next) {
			if n := ix.count.Add(1); n > int64(shardLoad*len(t.shards)) {
				ix.grow(t)
			}
			return e, true
		}
	}
}

// remove takes e out of the index, if it is in it. Any goroutine.
func (ix *index) remove(e *entry) {
	h := hash(e.key)
	for {
		t := ix.table.Load()
		s := t.shard(h)
		old := s.Load()
		if old == nil {
			return
		}
		if old.frozen {
			ix.awaitGrowth(t)
			continue
		}
		i := -1
		for j, sl := range old.slots {
			if sl.e == e {
				i = j
			}
		}
		if i < 0 {
			return
		}
		var next *shard
		if len(old.slots) > 1 {
			next = &shard{slots: make([]slot, 0, len(old.slots)-1)}
			next.slots = append(append(next.slots, old.slots[:i]...), old.slots[i+1:]...)
		}
		if s.CompareAndSwap(old, next) {
			ix.count.Add(-1)
			return
		}
	}
}

// awaitGrowth waits until t is no longer the index's table.
func (ix *index) awaitGrowth(t *table) {
	for ix.table.Load() == t {
		runtime.Gosched()
	}
}

// grow publishes a table with twice as many shards as t, holding the same
// entries, unless another writer is doing it or t is no longer the
// index's table.
func (ix *index) grow(t *table) {
	if !t.growing.CompareAndSwap(false, true) {
		return
	}
	n := newTable(2 * len(t.shards))
	parts := make([][]slot, len(n.shards))
	for i := range t.shards {
		s := &t.shards[i]
		for {
			old := s.Load()
			frozen := &shard{frozen: true}
			if old != nil {
				frozen.slots = old.slots
			}
			if s.CompareAndSwap(old, frozen) {
				break
			}
		}
		for _, sl := range s.Load().slots {
			j := sl.hash & uint64(len(parts)-1)
			parts[j] = append(parts[j], sl)
		}
	}
	for i := range parts {
		if parts[i] != nil {
			n.shards[i].Store(&shard{slots: parts[i]})
		}
	}
	ix.table.CompareAndSwap(t, n) // fails only if the index was cleared meanwhile
}

// each calls f with every entry of t, started or not, in no order.
func (t *table) each(f func(*entry)) {
	for i := range t.shards {
		if p := t.shards[i].Load(); p != nil {
			for _, sl := range p.slots {
				f(sl.e)
			}
		}
	}
}
