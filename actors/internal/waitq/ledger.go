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

// ledgers numbers Ledgers, so that a permit from one instance is foreign to
// every other (ids repeat after 2^20-1 instances).
var ledgers atomic.Uint64

// Ledger makes permits tokens: it records each permit an admission pattern
// grants until the permit is redeemed, so that releasing a permit twice, a
// zero permit or a permit of another instance is recognised, frees
// nothing, and is counted as misuse.
//
// A token is a 64-bit word: the ledger's id (never 0, so the zero token is
// never valid), the index of a slot, and the slot's sequence when it was
// granted. A slot's sequence moves on when its permit is redeemed, so a
// token redeems at most once. Grant pops a free slot off a lock-free stack
// (one compare-and-swap) and reads its sequence; Redeem moves the sequence
// on with one compare-and-swap, which succeeds only for the token of the
// current grant, and pushes the slot back (one more). A stale token's
// sequence no longer matches: it would again only after 2^24 grants of
// that very slot, and only a token forged with a free slot's next
// sequence would be taken for a held one.
//
// Slots are allocated as the number of permits held at once grows, in
// segments that double in size (the first, of 8, inline), so a ledger
// costs about 260 bytes until it is used and then 8 bytes per permit of
// its peak. Its zero value is not usable: make one with NewLedger.
//
// The caller keeps its own count of permits and must order its calls so
// that the ledger never holds more than MaxPermits: Grant after the count
// admitted the call, Redeem before the count is given back.
//
// A Ledger is safe for concurrent use.
type Ledger struct {
	id      uint64        // shifted into place
	head    atomic.Uint64 // free stack: a tag (high half) and index+1 of the top slot (0: empty)
	fresh   atomic.Uint32 // slots in use or on the stack: indexes below it exist
	misused atomic.Uint64
	first   [1 << baseBits]slot // segment 0, inline
	segs    [nSegs]atomic.Pointer[segment]
}

type segment struct{ slots []slot }

// slot is one permit's place: the sequence of its current or next grant
// (high half) and, while the slot is on the free stack, index+1 of the
// slot below it (low half; 0 at the bottom).
type slot struct{ word atomic.Uint64 }

// NewLedger returns an empty Ledger with an id of its own.
func NewLedger() *Ledger {
	n := ledgers.Add(1)%(1<<idBits-1) + 1
	return &Ledger{id: n << idShift}
}

// Grant records a new permit and returns its token (never 0).
func (l *Ledger) Grant() uint64 {
	for {
		h := l.head.Load()
		if top := uint32(h); top != 0 {
			s := l.slot(top - 1)
			next := uint32(s.word.Load())
			if l.head.CompareAndSwap(h, (h>>32+1)<<32|uint64(next)) {
				return l.token(top-1, s)
			}
			continue
		}
		f := l.fresh.Load()
		if f >= MaxPermits {
			// Every slot is held or on its way back: only a caller that
			// grants more than MaxPermits at once gets here.
			runtime.Gosched()
			continue
		}
		if l.fresh.CompareAndSwap(f, f+1) {
			return l.token(f, l.grow(f))
		}
	}
}

// token returns the token of a grant of slot i, which the caller took off
// the stack (or made): no token of its present sequence is out.
func (l *Ledger) token(i uint32, s *slot) uint64 {
	return l.id | uint64(i)<<seqBits | s.word.Load()>>32&seqMask
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
	h := l.head.Load()
	for s != nil {
		w := s.word.Load()
		if w>>32&seqMask != token&seqMask || uint32(h) == i+1 {
			break // not this grant's sequence (or on the stack: a forged token)
		}
		// Move the sequence on and link the slot above the stack's top:
		// from here this slot is ours alone.
		seq := (w>>32 + 1) << 32
		if !s.word.CompareAndSwap(w, seq|uint64(uint32(h))) {
			continue // another Redeem of the same token: it sees the new sequence
		}
		for !l.head.CompareAndSwap(h, (h>>32+1)<<32|uint64(i+1)) {
			h = l.head.Load()
			s.word.Store(seq | uint64(uint32(h)))
		}
		return true
	}
	l.misused.Add(1)
	return false
}

// Misused returns how many Redeems were refused.
func (l *Ledger) Misused() uint64 { return l.misused.Load() }

// Held returns how many permits are held: granted and not redeemed. It is
// exact only while no Grant or Redeem runs; it walks the free stack, so it
// is for Stats and tests, not for a hot path.
func (l *Ledger) Held() int {
	free := 0
	for top := uint32(l.head.Load()); top != 0 && free <= MaxPermits; top = uint32(l.slot(top - 1).word.Load()) {
		free++
	}
	return int(l.fresh.Load()) - free
}

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
	k, off := locate(i)
	if sg := l.segs[k].Load(); sg != nil {
		return &sg.slots[off]
	}
	return nil
}

// grow returns slot i, allocating its segment if no caller has yet.
func (l *Ledger) grow(i uint32) *slot {
	if i < 1<<baseBits {
		return &l.first[i]
	}
	k, off := locate(i)
	sg := l.segs[k].Load()
	if sg == nil {
		sg = &segment{slots: make([]slot, 1<<(k+baseBits))}
		if !l.segs[k].CompareAndSwap(nil, sg) {
			sg = l.segs[k].Load()
		}
	}
	return &sg.slots[off]
}
