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
// never valid), the index of a slot, and the slot's grant sequence. Grant
// takes a free slot off a lock-free stack (one compare-and-swap), bumps its
// sequence and marks it held; Redeem clears the held mark with one
// compare-and-swap that succeeds only for the token of the current grant,
// then pushes the slot back (one more). A stale token's sequence no longer
// matches (it would again only after 2^24 grants of that very slot).
//
// Slots are allocated as the number of permits held at once grows, in
// segments that double in size, so a ledger costs about 200 bytes until
// it is used and then 16 bytes per permit of its peak. Its zero value is
// not usable: make one with NewLedger.
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
	segs    [nSegs]atomic.Pointer[segment]
}

type segment struct{ slots []slot }

// slot is one permit's place: word holds the grant sequence (shifted left
// by one) and the held mark (bit 0); next links the free stack.
type slot struct {
	word atomic.Uint64
	next atomic.Uint32
}

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
			next := s.next.Load()
			if l.head.CompareAndSwap(h, (h>>32+1)<<32|uint64(next)) {
				return l.issue(top-1, s)
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
			return l.issue(f, l.grow(f))
		}
	}
}

// issue marks slot i, which the caller alone holds, as granted anew.
func (l *Ledger) issue(i uint32, s *slot) uint64 {
	seq := (s.word.Load()>>1 + 1) & seqMask
	s.word.Store(seq<<1 | 1)
	return l.id | uint64(i)<<seqBits | seq
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
	held := (token&seqMask)<<1 | 1
	if s == nil || !s.word.CompareAndSwap(held, held&^1) {
		l.misused.Add(1)
		return false
	}
	for {
		h := l.head.Load()
		s.next.Store(uint32(h))
		if l.head.CompareAndSwap(h, (h>>32+1)<<32|uint64(i+1)) {
			return true
		}
	}
}

// Misused returns how many Redeems were refused.
func (l *Ledger) Misused() uint64 { return l.misused.Load() }

// Held returns how many permits are held: granted and not redeemed. It is
// exact only while no Grant or Redeem runs; it walks the free stack, so it
// is for Stats and tests, not for a hot path.
func (l *Ledger) Held() int {
	free := 0
	for top := uint32(l.head.Load()); top != 0 && free <= MaxPermits; top = l.slot(top - 1).next.Load() {
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
	k, off := locate(i)
	if sg := l.segs[k].Load(); sg != nil {
		return &sg.slots[off]
	}
	return nil
}

// grow returns slot i, allocating its segment if no caller has yet.
func (l *Ledger) grow(i uint32) *slot {
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
