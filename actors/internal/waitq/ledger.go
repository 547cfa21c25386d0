package waitq

import (
	"math/bits"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Token layout: a Ledger's id in the high bits, then the slot's index, then
// the low bits of the slot's grant sequence.
const (
	seqBits   = 24
	indexBits = 20
	idBits    = 64 - indexBits - seqBits

	seqMask   = 1<<seqBits - 1
	indexMask = 1<<indexBits - 1
	idShift   = indexBits + seqBits

	// MaxPermits is how many permits a Ledger can hold at once (1,048,576);
	// an admission pattern bounds its limit by it.
	MaxPermits = 1 << indexBits

	baseBits = 3 // the first segment holds 8 slots; each next one twice the last
	nSegs    = indexBits - baseBits + 1
)

// Count layout: the free permits that have no slot, and the closed bit
// (see Limit.Close), which a stack's head carries at the same place.
const (
	freeMask  = 1<<(indexBits+1) - 1
	closedBit = 1 << (2*indexBits + 1)
)

// Stack and slot layout. A stack's head is the index of its top slot
// (meaningful while the stack is not empty), the number of slots on it,
// the closed bit and a tag that every pop moves on. A slot's word is the
// index of the slot below it on a stack (meaningful while the slot is on a
// stack and not its bottom; while it is held, the cell it was granted
// in), a held bit, and the slot's grant sequence: how many times it has
// been granted.
const (
	topMask  = indexMask
	sizeOne  = 1 << indexBits
	sizeMask = freeMask << indexBits
	tagOne   = closedBit << 1

	linkMask = indexMask
	heldBit  = 1 << indexBits
	slotSeq  = indexBits + 1 // the sequence's shift
)

// cellSlots is how many slots a cell holds: two cache lines of them, then
// its stack's head and made count on a third.
const (
	cellShift = 4
	cellSlots = 1 << cellShift
)

// ledgers numbers Ledgers, so that a permit from one instance is foreign to
// every other (ids repeat after 2^20-1 instances).
var ledgers atomic.Uint64

// Ledger makes permits tokens and is the pool of an admission pattern's
// slots: it grants at most Limit permits at once and records each one
// until it is redeemed, so that releasing a permit twice, a zero permit or
// a permit of another instance is recognised, frees nothing, and is
// counted as misuse.
//
// A token is a 64-bit word: the ledger's id (never 0, so the zero token is
// never valid), the index of a slot, and the low 24 bits of the slot's
// sequence when it was granted. Each slot is one word: its sequence, which
// every grant moves on, a held bit, and its link in a stack of free slots.
// The slots live in cells, one per P (tally.Proc, a hint: any cell works),
// each on its own cache lines with its own stack of free slots. A free
// slot on a stack is a free permit; the ledger's count word holds the free
// permits with no slot yet and the closed bit. A grant pops a slot, its
// P's stack first, and stamps it held with the next sequence by a plain
// store (the slot is its own from the pop on); Redeem frees the slot with
// one compare-and-swap that expects "held, this sequence", so a token
// redeems at most once and a free slot never, and pushes it onto the stack
// of the P it was granted to (a held slot's word names that cell), which
// is the releasing P's own unless the goroutine moved. So a grant and a
// Redeem on one P touch that P's cell alone, and a slot taken off another
// P's stack moves to the taker's: each P keeps the slots it uses. A stale
// token's sequence no longer matches: it would again only after 2^24
// grants of that very slot, and only a token forged with a held slot's
// sequence would be taken for that permit.
//
// Only a grant that finds its P's stack empty reads the other stacks and
// the count: it takes a slot off another stack, else a permit with no
// slot, for which it makes one. It refuses only after it has seen every
// stack empty and no permit without a slot free at one instant, so a
// refusal is never a race with a Redeem: the limit is exact under any
// interleaving. Held, which adds the count and each P's stack, is exact
// while nobody grants or redeems (and while the ledger is closed, but for
// Redeems, which only lower it); read while callers run, it may be off by
// the permits that moved between stacks as it read them. A Limit's owner
// can close the ledger (Limit.Close): the closed bit is in the count and in
// every stack's head, so a grant whose compare-and-swap read an open word
// fails once it is closed.
//
// Granted is the sum of the slots' sequences, so a grant writes no counter
// of its own. A slot is made only when every slot made before is held: in
// the cell of the caller's P while it has room (another cell's when not),
// then in segments that double in size. So a ledger costs two cache lines
// until its first grant, then a cell per P, then 8 bytes per permit of its
// peak beyond the cells; Made, the number of slots made, is that peak.
//
// Its zero value is not usable: make one with NewLedger, or with NewLimit
// for a limit that changes. A Ledger is safe for concurrent use.
type Ledger struct {
	// Written by a grant that finds its P's stack empty, and by a Limit.
	count atomic.Uint64 // closed | free
	_     [56]byte
	// Read by every grant and redeem, written rarely.
	id      uint64 // shifted into place
	limit   uint32
	ncells  uint32        // cells: one per P (tally.Size), a power of two
	fresh   atomic.Uint32 // slots made in segments: their indexes below it exist
	misused atomic.Uint64
	cells   atomic.Pointer[cell]                           // the first of ncells, made by the first grant
	segs    atomic.Pointer[[nSegs]atomic.Pointer[segment]] // made when the cells are full
	_       [16]byte
}

// cell is one P's stack of free slots and the slots made there first.
type cell struct {
	slots [cellSlots]slot
	head  atomic.Uint64 // tag | closed | size | top
	made  atomic.Uint64 // slots made in this cell (at most cellSlots)
	_     [48]byte
}

type segment struct{ slots []slot }

// slot is one permit's place: sequence<<slotSeq | held | link.
type slot struct{ word atomic.Uint64 }

// NewLedger returns an empty Ledger with an id of its own that grants up
// to MaxPermits permits at once.
func NewLedger() *Ledger { return NewLimitedLedger(MaxPermits) }

// NewLimitedLedger returns an empty Ledger with an id of its own that
// grants up to limit permits at once (1..MaxPermits; outside that range,
// MaxPermits).
func NewLimitedLedger(limit int) *Ledger {
	if limit <= 0 || limit > MaxPermits {
		limit = MaxPermits
	}
	n := ledgers.Add(1)%(1<<idBits-1) + 1
	l := &Ledger{id: n << idShift, limit: uint32(limit), ncells: uint32(tally.Size(1, 1))}
	l.count.Store(uint64(limit))
	return l
}

// TryGrant records a new permit and returns its token (never 0), or false
// when Limit permits are held or the ledger is closed (see Limit.Close).
// A permit whose Redeem has not returned yet may still count as held.
func (l *Ledger) TryGrant() (uint64, bool) { return l.take(closedBit) }

// unstack takes the slot on top of the stack of cells[k] off it, if any
// and if no bit of stop is set in its head, and returns its index, itself
// and its word.
func (l *Ledger) unstack(cells []cell, k uint32, stop uint64) (uint32, *slot, uint64, bool) {
	c := &cells[k]
	for {
		h := c.head.Load()
		if h&sizeMask == 0 || h&stop != 0 {
			return 0, nil, 0, false
		}
		// While the slot is on the stack only a pop changes its word, and
		// every pop moves the tag on: if the compare-and-swap succeeds, w
		// is the slot's word.
		i := uint32(h & topMask)
		s := inCells(cells, i)
		if s == nil {
			s = l.segSlot(i)
		}
		w := s.word.Load()
		if c.head.CompareAndSwap(h, (h&^topMask-sizeOne+tagOne)|w&linkMask) {
			return i, s, w, true
		}
	}
}

// push puts slot i, whose word without its link is free and which the
// caller alone has, on c's stack.
func (l *Ledger) push(c *cell, i uint32, free uint64) {
	s := l.slot(i)
	for {
		h := c.head.Load()
		s.word.Store(free | h&topMask)
		if c.head.CompareAndSwap(h, (h&^topMask+sizeOne)|uint64(i)) {
			return
		}
	}
}

// home returns the cell of the caller's P; the cells must exist.
func (l *Ledger) home() *cell { return &l.loadCells()[l.proc()] }

// proc returns the index of the caller's P's cell (a hint: the goroutine
// may move at once).
func (l *Ledger) proc() uint32 {
	if l.ncells == 1 {
		return 0
	}
	return tally.Proc() & (l.ncells - 1)
}

// take grants a permit unless a bit of stop is set (in the count, or in
// the head of a stack it would pop): a free slot off its P's stack, else
// off another's, else a permit with no slot, for which it makes one.
func (l *Ledger) take(stop uint64) (uint64, bool) {
	if p := l.cells.Load(); p != nil {
		// unstack's first try, inlined, with the cell and the slot found
		// from p without bounds checks: k < ncells, and a slot below
		// ncells*cellSlots is in a cell.
		k := l.proc()
		c := cellAt(unsafe.Pointer(p), k)
		h := c.head.Load()
		if h&sizeMask != 0 && h&stop == 0 {
			i := uint32(h & topMask)
			if i < l.ncells*cellSlots {
				s := slotAt(unsafe.Pointer(p), i)
				w := s.word.Load()
				if c.head.CompareAndSwap(h, (h&^topMask-sizeOne+tagOne)|w&linkMask) {
					return l.stamp(s, i, w>>slotSeq+1, k), true
				}
			}
		}
		if i, s, w, ok := l.unstack(unsafe.Slice(p, l.ncells), k, stop); ok {
			return l.stamp(s, i, w>>slotSeq+1, k), true
		}
	}
	return l.takeSlow(stop)
}

// takeSlow is take once its P's stack was empty. It refuses only after it
// has seen a stop bit, or every stack empty and no permit without a slot
// free at one instant (the stacks read twice, unchanged around the count's
// read).
func (l *Ledger) takeSlow(stop uint64) (uint64, bool) {
	var seen [tally.MaxCells]uint64
	for {
		cells := l.ensureCells()
		k, found := l.collect(cells, &seen)
		if seen[k]&stop != 0 {
			return 0, false
		}
		if found {
			if i, s, w, ok := l.unstack(cells, uint32(k), stop); ok {
				// Stamped with the caller's cell, not k: its Redeem puts
				// it on this P's stack, so a P whose stack runs dry takes
				// a slot off another once, not on every call.
				return l.stamp(s, i, w>>slotSeq+1, l.proc()), true
			}
			continue
		}
		c := l.count.Load()
		if c&stop != 0 {
			return 0, false
		}
		if c&freeMask == 0 {
			if l.unchanged(cells, &seen) {
				return 0, false
			}
			continue
		}
		if !l.count.CompareAndSwap(c, c-1) {
			continue
		}
		if l.unchanged(cells, &seen) {
			// Every slot made is held: make one.
			return l.make(), true
		}
		l.count.Add(1) // a slot came back meanwhile: take it instead
	}
}

// collect reads the heads of cells into seen and returns the first cell
// whose stack holds a slot, if any; with none, it returns the first whose
// head is closed, else 0 (seen[k] is always k's head).
func (l *Ledger) collect(cells []cell, seen *[tally.MaxCells]uint64) (int, bool) {
	shut := -1
	for k := range cells {
		h := cells[k].head.Load()
		seen[k] = h
		if h&sizeMask != 0 {
			return k, true
		}
		if h&closedBit != 0 && shut < 0 {
			shut = k
		}
	}
	if testHookEmpty != nil {
		testHookEmpty()
	}
	return max(shut, 0), false
}

// testHookEmpty, if set, runs when collect has found every stack empty.
var testHookEmpty func()

// unchanged reports whether the heads of cells are still those collect
// read: then every stack was empty from the first read to now (a push
// changes the top and size, a pop the tag).
func (l *Ledger) unchanged(cells []cell, seen *[tally.MaxCells]uint64) bool {
	for k := range cells {
		if cells[k].head.Load() != seen[k] {
			return false
		}
	}
	return true
}

// make makes a slot for a permit the caller has taken with no slot free:
// in the cell of its P, else in another cell, else in a segment.
func (l *Ledger) make() uint64 {
	cells := l.ensureCells()
	n := uint32(len(cells))
	home := l.proc()
	for j := range n {
		k := (home + j) & (n - 1)
		c := &cells[k]
		for m := c.made.Load(); m < cellSlots; m = c.made.Load() {
			if c.made.CompareAndSwap(m, m+1) {
				return l.stamp(&c.slots[m], k*cellSlots+uint32(m), 1, k)
			}
		}
	}
	i := l.fresh.Add(1) - 1
	return l.stamp(l.grow(i), n*cellSlots+i, 1, home&(n-1))
}

// stamp marks slot s, index i, that the caller has taken in cell k, held
// with sequence seq, and returns its token. The slot's link, unused while
// it is held, keeps k: Redeem gives the slot back to that cell.
func (l *Ledger) stamp(s *slot, i uint32, seq uint64, k uint32) uint64 {
	s.word.Store(seq<<slotSeq | heldBit | uint64(k))
	return l.id | uint64(i)<<seqBits | seq&seqMask
}

// Grant is TryGrant for a caller whose own count already admitted the
// call, so that a permit is free or on its way back: it waits for one,
// which only a caller that admits more than Limit can need (no step of a
// grant waits for another goroutine while a permit is free). It grants
// while the ledger is closed.
func (l *Ledger) Grant() uint64 {
	for {
		if t, ok := l.take(0); ok {
			return t
		}
		runtime.Gosched()
	}
}

// shut makes TryGrant refuse until reopen: from then on only Grant and
// Redeem change Held, so an owner that grants with Grant alone decides on
// a count that is exact but for the Redeems that come after it (a Redeem
// that does not see Closed is in it). Redeem works while the ledger is
// closed. Limit.Close and Limit.Open are the owner's way to it.
func (l *Ledger) shut() {
	cells := l.ensureCells() // a grant could make them after the close
	for k := range cells {
		cells[k].head.Or(closedBit)
	}
	l.count.Or(closedBit)
}

// reopen undoes shut.
func (l *Ledger) reopen() {
	l.count.And(^uint64(closedBit))
	cells := l.loadCells()
	for k := range cells {
		cells[k].head.And(^uint64(closedBit))
	}
}

// Closed reports whether the ledger is closed (see Limit.Close).
func (l *Ledger) Closed() bool { return l.count.Load()&closedBit != 0 }

// Redeem takes back the permit of token and reports whether it was held. A
// token that is not held (redeemed already, never granted, zero, of
// another ledger) changes nothing but the misuse count.
func (l *Ledger) Redeem(token uint64) bool {
	var s *slot
	i := uint32(token>>seqBits) & indexMask
	p := unsafe.Pointer(l.cells.Load())
	if token&IDMask == l.id && p != nil {
		// A slot never made has word 0: not held. Before the cells are
		// made no slot is (segments come after them).
		if i < l.ncells*cellSlots {
			s = slotAt(p, i)
		} else {
			s = l.segSlot(i)
		}
	}
	for s != nil {
		w := s.word.Load()
		if w&heldBit == 0 || w>>slotSeq&seqMask != token&seqMask {
			break
		}
		// Free the slot and link it above the top of the stack of the cell
		// its grant named (of the P that took it): from here it is ours
		// alone until it is on the stack.
		// With one cell, the head's load does not wait for w's.
		c := (*cell)(p)
		if l.ncells != 1 {
			c = cellAt(p, uint32(w&linkMask)) // stamped: below ncells
		}
		h := c.head.Load()
		free := w &^ (heldBit | linkMask)
		if !s.word.CompareAndSwap(w, free|h&topMask) {
			continue // another Redeem of the same token: it sees the slot free
		}
		if !c.head.CompareAndSwap(h, (h&^topMask+sizeOne)|uint64(i)) {
			l.push(c, i, free)
		}
		return true
	}
	l.misused.Add(1)
	return false
}

// Granted returns how many permits the ledger has granted: the sum of its
// slots' sequences, read one slot at a time, so that a grant costs no
// counter of its own. It grows with every grant that has returned and
// never moves back.
func (l *Ledger) Granted() uint64 {
	var n uint64
	cells := l.loadCells()
	for k := range cells {
		c := &cells[k]
		for m := range min(c.made.Load(), cellSlots) {
			n += c.slots[m].word.Load() >> slotSeq
		}
	}
	base := l.ncells * cellSlots
	for i := range l.fresh.Load() {
		if s := l.slot(base + i); s != nil {
			n += s.word.Load() >> slotSeq
		}
	}
	return n
}

// Misused returns how many Redeems were refused.
func (l *Ledger) Misused() uint64 { return l.misused.Load() }

// Limit returns how many permits the ledger grants at once.
func (l *Ledger) Limit() int { return int(l.limit) }

// Held returns how many permits are held: granted and not yet redeemed (a
// Redeem still running counts as held). It reads the count and then each
// P's stack: exact while nobody grants or redeems, and while the ledger is
// closed but for Redeems; read while callers run, it may be off by the
// permits that moved between stacks as it read them. Of a Limit's ledger
// it counts the parked permits as held: Limit.Held does not.
func (l *Ledger) Held() int {
	return int(l.limit) - int(l.count.Load()&freeMask) - l.stacked()
}

// stacked returns how many slots are on the stacks.
func (l *Ledger) stacked() int {
	n := 0
	cells := l.loadCells()
	for k := range cells {
		n += int(cells[k].head.Load() & sizeMask >> indexBits)
	}
	return n
}

// Made returns how many slots the ledger has made: a slot is made only
// when every slot made before is held, so it is the most permits ever held
// at once.
func (l *Ledger) Made() int {
	n := int(l.fresh.Load())
	cells := l.loadCells()
	for k := range cells {
		n += int(min(cells[k].made.Load(), cellSlots))
	}
	return n
}

// loadCells returns the cells, or nil before the first grant.
func (l *Ledger) loadCells() []cell {
	if p := l.cells.Load(); p != nil {
		return unsafe.Slice(p, l.ncells)
	}
	return nil
}

// ensureCells returns the cells, making them if no grant has yet, each
// alone on its cache lines.
func (l *Ledger) ensureCells() []cell {
	if p := l.cells.Load(); p != nil {
		return unsafe.Slice(p, l.ncells)
	}
	cells := make([]cell, l.ncells)
	if l.cells.CompareAndSwap(nil, &cells[0]) {
		return cells
	}
	return l.loadCells()
}

// locate returns the segment and the offset in it of segment slot i.
func locate(i uint32) (seg, off int) {
	v := i + 1<<baseBits
	seg = bits.Len32(v) - baseBits - 1
	return seg, int(v - 1<<(seg+baseBits))
}

// slot returns slot i, or nil if it does not exist yet.
func (l *Ledger) slot(i uint32) *slot { return l.at(l.loadCells(), i) }

// at returns slot i of a ledger whose cells are cells (nil before the
// first grant), or nil if it does not exist yet.
func (l *Ledger) at(cells []cell, i uint32) *slot {
	if s := inCells(cells, i); s != nil {
		return s
	}
	return l.segSlot(i)
}

// cellAt returns cell k (below ncells) of the cells that start at p,
// without the bounds check of a slice.
func cellAt(p unsafe.Pointer, k uint32) *cell {
	return (*cell)(unsafe.Add(p, uintptr(k)*unsafe.Sizeof(cell{})))
}

// slotAt returns slot i (below ncells*cellSlots) of the cells that start
// at p.
func slotAt(p unsafe.Pointer, i uint32) *slot {
	return &cellAt(p, i>>cellShift).slots[i&(cellSlots-1)]
}

// inCells returns slot i if it is in cells, else nil.
func inCells(cells []cell, i uint32) *slot {
	if k := i >> cellShift; k < uint32(len(cells)) {
		return &cells[k].slots[i&(cellSlots-1)]
	}
	return nil
}

// segSlot returns slot i, beyond the cells, or nil if its segment does
// not exist yet.
func (l *Ledger) segSlot(i uint32) *slot {
	segs := l.segs.Load()
	if segs == nil {
		return nil
	}
	k, off := locate(i - l.ncells*cellSlots)
	if k >= nSegs {
		return nil
	}
	if sg := segs[k].Load(); sg != nil {
		return &sg.slots[off]
	}
	return nil
}

// grow returns segment slot i, allocating its segment if no caller has
// yet.
func (l *Ledger) grow(i uint32) *slot {
	segs := l.segs.Load()
	if segs == nil {
		l.segs.CompareAndSwap(nil, new([nSegs]atomic.Pointer[segment]))
		segs = l.segs.Load()
	}
	k, off := locate(i)
	sg := segs[k].Load()
	if sg == nil {
		sg = &segment{slots: make([]slot, 1<<(k+baseBits))}
		if !segs[k].CompareAndSwap(nil, sg) {
			sg = segs[k].Load()
		}
	}
	return &sg.slots[off]
}
