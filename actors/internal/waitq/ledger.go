package waitq

import (
	"math/bits"
	"runtime"
	"sync/atomic"
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

// Head layout: the free stack's top (index+1, 0: empty), the number of free
// permits (slots on the stack plus slots not made yet), the closed bit (see
// Close) and a tag that every pop moves on.
const (
	topBits   = indexBits + 1
	freeBits  = indexBits + 1
	topMask   = 1<<topBits - 1
	freeMask  = 1<<freeBits - 1
	freeOne   = 1 << topBits
	closedBit = 1 << (topBits + freeBits)
	tagOne    = closedBit << 1
)

// Slot layout: the link to the slot below on the free stack (index+1, 0:
// the bottom; meaningful while the slot is on the stack), a held bit, and
// the slot's grant sequence: how many times it has been granted.
const (
	linkMask = topMask
	heldBit  = 1 << topBits
	slotSeq  = topBits + 1 // the sequence's shift
)

// ledgers numbers Ledgers, so that a permit from one instance is foreign to
// every other (ids repeat after 2^20-1 instances).
var ledgers atomic.Uint64

// Ledger makes permits tokens and, with a limit, is the pool of an
// admission pattern's slots: it grants at most Limit permits at once and
// records each one until it is redeemed, so that releasing a permit twice,
// a zero permit or a permit of another instance is recognised, frees
// nothing, and is counted as misuse.
//
// A token is a 64-bit word: the ledger's id (never 0, so the zero token is
// never valid), the index of a slot, and the low 24 bits of the slot's
// sequence when it was granted. Each slot is one word: its sequence, which
// every grant moves on, a held bit, and its link in the stack of free
// slots. The stack's head word also holds the number of free permits:
// TryGrant takes a slot and counts it with one compare-and-swap of the head,
// then stamps the slot held with the next sequence by a plain store (the
// slot is its own from the compare-and-swap on). Redeem frees the slot with
// one compare-and-swap that expects "held, this sequence", so a token
// redeems at most once and a free slot never, and pushes it back with one
// more. A stale token's sequence no longer matches: it would again only
// after 2^24 grants of that very slot, and only a token forged with a held
// slot's sequence would be taken for that permit.
//
// Granted is the sum of the slots' sequences, so a grant writes nothing
// shared but the head. Slots are made as the number of permits held at once
// grows, in segments that double in size (the first, of 8, inline), so a
// ledger costs about 330 bytes until it is used and then 8 bytes per permit
// of its peak; Made, the number of slots made, is that peak.
//
// Its zero value is not usable: make one with NewLedger. A Ledger is safe
// for concurrent use.
type Ledger struct {
	// Written by every grant and redeem.
	head atomic.Uint64 // tag | closed | free<<topBits | top
	_    [56]byte
	// Read by every redeem, written rarely.
	id      uint64 // shifted into place
	limit   uint32
	fresh   atomic.Uint32 // slots made: indexes below it exist
	misused atomic.Uint64
	segs    atomic.Pointer[[nSegs]atomic.Pointer[segment]] // made when slot 8 is
	_       [32]byte
	first   [1 << baseBits]slot // segment 0, inline
}

type segment struct{ slots []slot }

// slot is one permit's place: sequence<<slotSeq | held | link.
type slot struct{ word atomic.Uint64 }

// NewLedger returns an empty Ledger with an id of its own that grants up to
// MaxPermits permits at once.
func NewLedger() *Ledger { return NewLimitedLedger(MaxPermits) }

// NewLimitedLedger returns an empty Ledger with an id of its own that
// grants up to limit permits at once (1..MaxPermits; outside that range,
// MaxPermits).
func NewLimitedLedger(limit int) *Ledger {
	if limit <= 0 || limit > MaxPermits {
		limit = MaxPermits
	}
	n := ledgers.Add(1)%(1<<idBits-1) + 1
	l := &Ledger{id: n << idShift, limit: uint32(limit)}
	l.head.Store(uint64(limit) * freeOne)
	return l
}

// TryGrant records a new permit and returns its token (never 0), or false
// when Limit permits are held or the ledger is closed. A permit whose
// Redeem has not returned yet may still count as held.
func (l *Ledger) TryGrant() (uint64, bool) { return l.grant(0, closedBit) }

// TryGrantBelow is TryGrant that also refuses when the permit would make n
// or more held: it grants only while fewer than n-1 are held.
func (l *Ledger) TryGrantBelow(n int) (uint64, bool) {
	keep := int(l.limit) - n + 1 // free permits that must stay free
	if keep < 0 {
		keep = 0
	}
	return l.grant(uint64(keep), closedBit)
}

// grant takes a permit while more than keep are free and no bit of stop is
// set in the head.
func (l *Ledger) grant(keep, stop uint64) (uint64, bool) {
	for {
		h := l.head.Load()
		if h&stop != 0 || h>>topBits&freeMask <= keep {
			return 0, false
		}
		if top := uint32(h & topMask); top != 0 {
			s := l.slot(top - 1)
			// While the slot is on the stack only a pop changes its word,
			// and every pop moves the tag on: if the compare-and-swap
			// succeeds, w is the slot's word.
			w := s.word.Load()
			if l.head.CompareAndSwap(h, (h&^topMask+tagOne-freeOne)|w&linkMask) {
				return l.stamp(s, top-1, w>>slotSeq+1), true
			}
			continue
		}
		// The stack is empty but not every permit is out: make a slot.
		if l.head.CompareAndSwap(h, h-freeOne) {
			i := l.fresh.Add(1) - 1
			return l.stamp(l.grow(i), i, 1), true
		}
	}
}

// stamp marks slot s, index i, that the caller has taken off the stack,
// held with sequence seq, and returns its token.
func (l *Ledger) stamp(s *slot, i uint32, seq uint64) uint64 {
	s.word.Store(seq<<slotSeq | heldBit)
	return l.id | uint64(i)<<seqBits | seq&seqMask
}

// Grant is TryGrant for a caller whose own count already admitted the
// call, so that a slot is free or on its way back: it waits for one. It
// grants while the ledger is closed.
func (l *Ledger) Grant() uint64 {
	for {
		if t, ok := l.grant(0, 0); ok {
			return t
		}
		runtime.Gosched()
	}
}

// Close makes TryGrant and TryGrantBelow refuse until Open, and returns how
// many permits are held: from then on only Grant and Redeem change that
// count, so an owner that grants with Grant alone decides on an exact
// count. Redeem works while the ledger is closed.
func (l *Ledger) Close() int {
	h := l.head.Or(closedBit)
	return int(l.limit) - int(h>>topBits&freeMask)
}

// Open undoes Close.
func (l *Ledger) Open() { l.head.And(^uint64(closedBit)) }

// Closed reports whether the ledger is closed.
func (l *Ledger) Closed() bool { return l.head.Load()&closedBit != 0 }

// Redeem takes back the permit of token and reports whether it was held. A
// token that is not held (redeemed already, never granted, zero, of
// another ledger) changes nothing but the misuse count.
func (l *Ledger) Redeem(token uint64) bool {
	var s *slot
	i := uint32(token>>seqBits) & indexMask
	if token&^(1<<idShift-1) == l.id {
		s = l.slot(i) // a slot never made has word 0: not held
	}
	for s != nil {
		h := l.head.Load()
		w := s.word.Load()
		if w&heldBit == 0 || w>>slotSeq&seqMask != token&seqMask {
			break
		}
		// Free the slot and link it above the stack's top: from here it
		// is ours alone until it is on the stack.
		free := w &^ (heldBit | linkMask)
		if !s.word.CompareAndSwap(w, free|h&topMask) {
			continue // another Redeem of the same token: it sees the slot free
		}
		for !l.head.CompareAndSwap(h, (h&^topMask+freeOne)|uint64(i+1)) {
			h = l.head.Load()
			s.word.Store(free | h&topMask)
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
	for i := range l.fresh.Load() {
		if s := l.slot(i); s != nil {
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
// Redeem still running counts as held). It is one atomic load.
func (l *Ledger) Held() int { return int(l.limit) - int(l.head.Load()>>topBits&freeMask) }

// Made returns how many slots the ledger has made: a slot is made only
// when every slot made before is held, so it is the most permits ever held
// at once.
func (l *Ledger) Made() int { return int(l.fresh.Load()) }

// locate returns the segment and the offset in it of slot i.
func locate(i uint32) (seg, off int) {
	v := i + 1<<baseBits
	seg = bits.Len32(v) - baseBits - 1
	return seg, int(v - 1<<(seg+baseBits))
}

// slot returns slot i, or nil if its segment does not exist yet. Small
// enough to inline: the first segment needs no call.
func (l *Ledger) slot(i uint32) *slot {
	if i < 1<<baseBits {
		return &l.first[i]
	}
	return l.segSlot(i)
}

// segSlot is slot for i beyond the first segment.
func (l *Ledger) segSlot(i uint32) *slot {
	segs := l.segs.Load()
	if segs == nil {
		return nil
	}
	k, off := locate(i)
	if sg := segs[k].Load(); sg != nil {
		return &sg.slots[off]
	}
	return nil
}

// grow returns slot i, allocating its segment if no caller has yet.
func (l *Ledger) grow(i uint32) *slot {
	if i < 1<<baseBits {
		return &l.first[i]
	}
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
