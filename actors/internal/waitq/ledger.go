package waitq

import (
	"math/bits"
	"runtime"
	"sync/atomic"
)

// Token layout: a Ledger's id in the high bits, then the slot's index, then
// the slot's grant sequence.
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
// permits (slots on the stack plus slots not made yet) and a tag that every
// pop moves on.
const (
	topBits  = indexBits + 1
	freeBits = indexBits + 1
	topMask  = 1<<topBits - 1
	freeMask = 1<<freeBits - 1
	freeOne  = 1 << topBits
	tagOne   = 1 << (topBits + freeBits)
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
// never valid), the index of a slot, and the slot's sequence when it was
// granted. A slot's sequence moves on when its permit is redeemed, so a
// token redeems at most once. The free slots are a lock-free stack whose
// head word also holds the number of free permits: TryGrant takes a slot
// and counts it with one compare-and-swap of the head (and counts the
// grant on the same cache line); Redeem moves the
// slot's sequence on with one compare-and-swap, which succeeds only for the
// token of the current grant, and pushes the slot back with one more. A
// stale token's sequence no longer matches: it would again only after 2^24
// grants of that very slot, and only a token forged with a free slot's
// next sequence would be taken for a held one.
//
// Slots are made as the number of permits held at once grows, in segments
// that double in size (the first, of 8, inline), so a ledger costs about
// 260 bytes until it is used and then 8 bytes per permit of its peak;
// Made, the number of slots made, is that peak.
//
// Its zero value is not usable: make one with NewLedger. A Ledger is safe
// for concurrent use.
type Ledger struct {
	// Written by every grant and redeem.
	head    atomic.Uint64 // tag | free<<topBits | top
	granted atomic.Uint64
	_       [48]byte
	// Read by every redeem, written rarely.
	id      uint64 // shifted into place
	limit   uint32
	fresh   atomic.Uint32 // slots made: indexes below it exist
	misused atomic.Uint64
	first   [1 << baseBits]slot                            // segment 0, inline
	segs    atomic.Pointer[[nSegs]atomic.Pointer[segment]] // made when slot 8 is
}

type segment struct{ slots []slot }

// slot is one permit's place: the sequence of its current or next grant
// (high half) and, while the slot is on the free stack, index+1 of the
// slot below it (low half; 0 at the bottom).
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
// when Limit permits are held. A permit whose Redeem has not returned yet
// may still count as held.
func (l *Ledger) TryGrant() (uint64, bool) {
	for {
		h := l.head.Load()
		if top := uint32(h & topMask); top != 0 {
			s := l.slot(top - 1)
			w := s.word.Load()
			// Pop: the slot below becomes the top, one permit fewer is
			// free, and the tag moves on (no other pop can succeed with a
			// head read before ours).
			if l.head.CompareAndSwap(h, (h&^topMask+tagOne-freeOne)|w&topMask) {
				l.granted.Add(1)
				return l.id | uint64(top-1)<<seqBits | w>>32&seqMask, true
			}
			continue
		}
		if h&(freeMask*freeOne) == 0 {
			return 0, false
		}
		// The stack is empty but not every permit is out: make a slot.
		if l.head.CompareAndSwap(h, h-freeOne) {
			i := l.fresh.Add(1) - 1
			l.granted.Add(1)
			return l.id | uint64(i)<<seqBits | l.grow(i).word.Load()>>32&seqMask, true
		}
	}
}

// Grant is TryGrant for a caller whose own count already admitted the
// call, so that a slot is free or on its way back: it waits for one.
func (l *Ledger) Grant() uint64 {
	for {
		if t, ok := l.TryGrant(); ok {
			return t
		}
		runtime.Gosched()
	}
}

// Redeem takes back the permit of token and reports whether it was held. A
// token that is not held (redeemed already, never granted, zero, of
// another ledger) changes nothing but the misuse count.
func (l *Ledger) Redeem(token uint64) bool {
	i := uint32(token>>seqBits) & indexMask
	var s *slot
	if token&^(1<<idShift-1) == l.id && i < l.fresh.Load() {
		s = l.slot(i)
	}
	for s != nil {
		h := l.head.Load()
		w := s.word.Load()
		if w>>32&seqMask != token&seqMask || uint32(h&topMask) == i+1 {
			break // not this grant's sequence (or on the stack: a forged token)
		}
		// Move the sequence on and link the slot above the stack's top:
		// from here this slot is ours alone.
		seq := (w>>32 + 1) << 32
		if !s.word.CompareAndSwap(w, seq|h&topMask) {
			continue // another Redeem of the same token: it sees the new sequence
		}
		for !l.head.CompareAndSwap(h, (h&^topMask+freeOne)|uint64(i+1)) {
			h = l.head.Load()
			s.word.Store(seq | h&topMask)
		}
		return true
	}
	l.misused.Add(1)
	return false
}

// Granted returns how many permits the ledger has granted.
func (l *Ledger) Granted() uint64 { return l.granted.Load() }

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

// slot returns slot i, or nil if its segment does not exist yet.
func (l *Ledger) slot(i uint32) *slot {
	if i < 1<<baseBits {
		return &l.first[i]
	}
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
