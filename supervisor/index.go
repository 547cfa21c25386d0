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
// It is a table of shards, each a fixed row of slots published through an
// atomic pointer; a look-up hashes the key once, picks the shard and
// compares hashes, then names. A slot goes from empty to an entry (an
// insert, which takes the first empty slot of its shard with a
// CompareAndSwap: entries fill a shard in order, so a look-up stops at the
// first empty slot) and from an entry to gone (a removal); neither copies
// anything, so an insert allocates nothing but, now and then, a shard. A
// shard with no empty slot left is replaced by a larger copy without its
// gone slots, and when the shards hold more than shardLoad entries on
// average, the caller whose insert crossed that line builds a table with
// twice as many shards (amortised, each entry is moved a constant number
// of times). Either way the writer that replaces a shard first freezes it:
// it marks the shard frozen, then closes each empty slot (no insert can
// take it after), and copies the entries; readers go on reading a frozen
// shard, which still holds every entry, writers wait for its replacement,
// and a removal that finds its shard frozen after it cleared the slot
// clears it again in the replacement, which may have copied it.
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

// shard is one row of slots, filled in order. Once frozen is set, its
// slots change only from an entry to gone, and a replacement takes its
// place (in its table, or a new table).
type shard struct {
	frozen atomic.Bool
	slots  []slot
}

// slot is an entry and its key's hash, kept beside it so that a look-up
// reads one entry only, the one whose hash matches. e is nil while the
// slot is empty, then the entry, then gone once it is removed, or closed
// if the shard froze while it was empty. hash is written after e (by the
// writer whose CompareAndSwap put e there): 0 means not yet, compare
// names. A stored hash has its top bit set (see slotHash), so it is never
// 0; its low bits, which pick the shard, are the key's.
type slot struct {
	hash atomic.Uint64
	e    atomic.Pointer[entry]
}

// gone and closed mark a removed entry's slot and an empty slot of a
// frozen shard; frozenEmpty stands in a table for a shard that was empty
// when its table was frozen.
var (
	gone, closed = &entry{}, &entry{}
	frozenEmpty  = func() *shard {
		s := &shard{}
		s.frozen.Store(true)
		return s
	}()
)

// slotHash is the hash a slot stores for h.
func slotHash(h uint64) uint64 { return h | 1<<63 }

// shardLoad is the most entries a shard holds on average before the
// table doubles; initialShards is the number of shards a new index has.
// A new shard has room for smallShard entries; one that replaces a full
// or frozen shard, for half as many again as that holds.
const (
	shardLoad     = 8
	initialShards = 16
	smallShard    = 4
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
	if p := ix.table.Load().shard(h).Load(); p != nil {
		e, _ := p.find(k, slotHash(h))
		return e
	}
	return nil
}

// find returns the entry of k in s, whose slots store sh for it, if any;
// else the first empty slot's position, or len(s.slots) if there is none
// (or the shard is closed from there on).
func (s *shard) find(k key, sh uint64) (*entry, int) {
	for i := range s.slots {
		sl := &s.slots[i]
		if x := sl.hash.Load(); x != sh && x != 0 {
			continue // another key's entry, or one gone
		}
		e := sl.e.Load()
		switch {
		case e == nil:
			return nil, i
		case e == closed:
			return nil, len(s.slots)
		case e != gone && e.key == k:
			return e, i
		}
	}
	return nil, len(s.slots)
}

// reserve returns the entry of k, whose hash is h, if there is one, and
// false; else it adds a starting entry for k with config and returns it,
// and true. The new entry has its creation number. Any goroutine.
func (ix *index) reserve(k key, h uint64, config any) (*entry, bool) {
	sh := slotHash(h)
	var e *entry
	for {
		t := ix.table.Load()
		p := t.shard(h)
		s := p.Load()
		if s == nil {
			if e == nil {
				e = newEntry(k, config)
			}
			e.seq = ix.seq.Add(1)
			n := &shard{slots: make([]slot, smallShard)}
			n.slots[0].hash.Store(sh)
			n.slots[0].e.Store(e)
			if p.CompareAndSwap(nil, n) {
				return e, ix.added(t)
			}
			continue
		}
		found, i := s.find(k, sh)
		if found != nil {
			return found, false
		}
		if s.frozen.Load() {
			ix.awaitReplaced(t, p, s)
			continue
		}
		if i == len(s.slots) { // full
			ix.enlarge(p, s)
			continue
		}
		if e == nil {
			e = newEntry(k, config)
		}
		e.seq = ix.seq.Add(1)
		for ; i < len(s.slots); i++ {
			sl := &s.slots[i]
			if sl.e.CompareAndSwap(nil, e) {
				sl.hash.Store(sh)
				return e, ix.added(t)
			}
			if x := sl.e.Load(); x == closed {
				break
			} else if x != gone && x.key == k { // another caller's insert of k
				return x, false
			}
		}
	}
}

// newEntry returns a starting entry for k with config.
func newEntry(k key, config any) *entry {
	e := &entry{key: k, config: config}
	e.status.Store(starting)
	return e
}

// added counts an entry inserted in t, grows t if the shards hold too
// many on average, and returns true.
func (ix *index) added(t *table) bool {
	if n := ix.count.Add(1); n > int64(shardLoad*len(t.shards)) {
		ix.grow(t)
	}
	return true
}

// remove takes e out of the index, if it is in it. Any goroutine.
func (ix *index) remove(e *entry) {
	h := hash(e.key)
	cleared := false
	for {
		t := ix.table.Load()
		p := t.shard(h)
		s := p.Load()
		if s == nil {
			break
		}
		i := s.position(e)
		if i < 0 {
			break
		}
		s.slots[i].e.Store(gone) // only here does a slot holding an entry change
		cleared = true
		if !s.frozen.Load() {
			break
		}
		// Whoever froze s may have copied e already: clear it in the
		// replacement too.
		ix.awaitReplaced(t, p, s)
	}
	if cleared {
		ix.count.Add(-1)
	}
}

// position returns the slot of e in s, or -1.
func (s *shard) position(e *entry) int {
	for i := range s.slots {
		switch s.slots[i].e.Load() {
		case e:
			return i
		case nil, closed:
			return -1
		}
	}
	return -1
}

// awaitReplaced waits until p no longer holds s, or t is no longer the
// index's table.
func (ix *index) awaitReplaced(t *table, p *atomic.Pointer[shard], s *shard) {
	for ix.table.Load() == t && p.Load() == s {
		runtime.Gosched()
	}
}

// freeze closes s's empty slots and appends its entries, with their
// hashes, to into, and returns it. The caller is the one that set
// s.frozen.
func (s *shard) freeze(into []slotCopy) []slotCopy {
	for i := range s.slots {
		sl := &s.slots[i]
		e := sl.e.Load()
		if e == nil && sl.e.CompareAndSwap(nil, closed) {
			continue
		}
		if e = sl.e.Load(); e == gone || e == closed {
			continue
		}
		x := sl.hash.Load()
		if x == 0 { // its writer has not stored it yet
			x = slotHash(hash(e.key))
		}
		into = append(into, slotCopy{x, e})
	}
	return into
}

// slotCopy is an entry moving to a new shard.
type slotCopy struct {
	hash uint64
	e    *entry
}

// fill returns a shard holding entries, with room for spare more (at
// least smallShard in all).
func fill(entries []slotCopy, spare int) *shard {
	n := &shard{slots: make([]slot, max(smallShard, len(entries)+spare))}
	for i, c := range entries {
		n.slots[i].hash.Store(c.hash)
		n.slots[i].e.Store(c.e)
	}
	return n
}

// enlarge replaces s, a full shard in p, by a copy without its gone
// slots with room for half as many again, unless another writer is
// replacing it.
func (ix *index) enlarge(p *atomic.Pointer[shard], s *shard) {
	if !s.frozen.CompareAndSwap(false, true) {
		return // the caller waits for the replacement
	}
	var buf [64]slotCopy
	entries := s.freeze(buf[:0])
	p.Store(fill(entries, len(entries)/2+2))
}

// grow publishes a table with twice as many shards as t, holding the same
// entries, unless another writer is doing it or t is no longer the
// index's table. Shard i of t splits into shards i and i+len(t.shards) of
// the new table, each with room for the entries half a table's growth
// brings on average.
func (ix *index) grow(t *table) {
	if !t.growing.CompareAndSwap(false, true) {
		return
	}
	n := newTable(2 * len(t.shards))
	var buf [128]slotCopy
	for i := range t.shards {
		entries := t.freezeShard(i, buf[:0])
		if len(entries) == 0 {
			continue
		}
		low := 0 // entries[:low] stay at i, the rest go to i+len(t.shards)
		for j, c := range entries {
			if c.hash&uint64(len(t.shards)) == 0 {
				entries[low], entries[j] = c, entries[low]
				low++
			}
		}
		if low > 0 {
			n.shards[i].Store(fill(entries[:low], shardLoad/2))
		}
		if low < len(entries) {
			n.shards[i+len(t.shards)].Store(fill(entries[low:], shardLoad/2))
		}
	}
	ix.table.CompareAndSwap(t, n) // fails only if the index was cleared meanwhile
}

// freezeShard freezes shard i of t, a table being grown (waiting for a
// writer that is enlarging it), and appends its entries to into.
func (t *table) freezeShard(i int, into []slotCopy) []slotCopy {
	p := &t.shards[i]
	for {
		s := p.Load()
		switch {
		case s == frozenEmpty:
			return into
		case s == nil:
			if p.CompareAndSwap(nil, frozenEmpty) {
				return into
			}
		case s.frozen.CompareAndSwap(false, true):
			return s.freeze(into)
		default:
			for p.Load() == s { // another writer is enlarging it
				runtime.Gosched()
			}
		}
	}
}

// each calls f with every entry of t, started or not, in no order.
func (t *table) each(f func(*entry)) {
	for i := range t.shards {
		if s := t.shards[i].Load(); s != nil {
			for j := range s.slots {
				e := s.slots[j].e.Load()
				if e == nil || e == closed {
					break
				}
				if e != gone {
					f(e)
				}
			}
		}
	}
}
