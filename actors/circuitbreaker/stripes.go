package circuitbreaker

import (
	"runtime"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// The successes of CLOSED calls — the hot path — are not sent to the actor
// one message each, so that callers on many cores do not meet on one
// mailbox. Each is added instead to one of a few striped counters (cells),
// and the actor collects the sums when it next needs them.
//
// A cell packs a phase tag (high half) and a count (low half). A caller
// adds to a cell only while its tag is the phase the actor published in its
// snapshot; the actor moves every cell to a new phase, by CAS, at each
// change of generation, at each bucket boundary of a time-based window and
// whenever a count grows large, taking the cell's last count of the old
// phase and zeroing it in the same step. So the actor knows which
// generation (and which bucket) every success it collects belongs to.
//
// The sum of the cells, plus the successes of earlier phases of the same
// generation (the snapshot's before), is the sequence number of a report
// that goes through the mailbox: how many successes of its generation had
// returned before it. The actor places the report after that many
// successes, whenever it arrives and whatever it collected meanwhile.
//
// The cells are a tally.Stripes. Acquire claims a slot in the cell of
// its P (tally.Proc), or else in the next ones, and Release frees the slot
// and counts the success in the cell its token names, so that a cell's
// cache lines stay with one core; a success the actor had to place again
// takes its cell from the per-P pool. Which cell a caller gets is only
// about speed: any cell of the right tag counts correctly.
//
// The actor alone allocates the cells (tagged with its phase), when the
// first call asks it for a permit: until then a breaker holds none, and
// every call goes to the actor.

const (
	// flushEvery: a caller whose add brings a cell's count to a multiple
	// of it asks the actor to collect and start a new phase, so that no
	// count reaches 2^32 (4096 asks would have to be lost).
	flushEvery = 1 << 20
	// rephaseAt: a collect that sees a count at or above it starts a new
	// phase too.
	rephaseAt = 1 << 30
)

// slotsPerCell is how many permits a cell holds (the cell fills its 128
// bytes).
const slotsPerCell = 14

// cell is one counter and the slots of the permits granted through it,
// tally.CellSize bytes.
//
// A slot is one word: the generation the permit was granted in (high
// half), the slot's sequence (31 bits) and a held bit (bit 0). Acquire
// claims a free slot with one CAS that bumps its sequence and sets held;
// the permit's token names the cell, the slot and the sequence. Release
// frees it with one CAS that expects held and that sequence, so only the
// first Release of a permit frees it: a second one, or one whose slot a
// later permit took, finds the bit clear or another sequence (until the
// slot has been taken again 2^31 times) and is misuse.
type cell struct {
	v     atomic.Uint64 // phase<<32 | count
	base  uint64        // kindBit | its index in stripes.cells<<cellShift
	slots [slotsPerCell]atomic.Uint64
}

// stripes are the success counters of one breaker. add, claim, free and
// sum are safe for concurrent use; ensure, collect and retag are called by
// the actor's goroutine only (seen and phase are its own).
type stripes struct {
	tally.Stripes[cell]
	seen  []uint32 // each cell's count at the last collect
	phase uint32   // the cells' tag
}

// newStripes sizes counters for the machine's parallelism (four cells a
// P, at least 8: enough that the pool, which hands them out in turn when a
// P has none, rarely puts two Ps on one cell, few enough that collecting
// them stays cheap), at phase 1, with no cell allocated.
func newStripes() *stripes {
	s := &stripes{}
	s.init()
	return s
}

// init is newStripes for stripes in place (a Breaker's).
func (s *stripes) init() {
	s.phase = 1
	s.Init(4, 8, func(cells []cell) {
		s.seen = make([]uint32, len(cells))
		for i := range cells {
			cells[i].v.Store(tagOf(s.phase))
			cells[i].base = kindBit | uint64(i)<<cellShift
		}
	})
}

// ensure allocates the cells, tagged with the current phase.
func (s *stripes) ensure() { s.Ensure() }

func tagOf(phase uint32) uint64 { return uint64(phase) << 32 }

// add counts one success in phase. It reports false when the cell it took
// is tagged with another phase (the caller must look at the snapshot
// again), and flush when the actor should start a new phase soon.
func (s *stripes) add(phase uint32) (ok, flush bool) {
	if s.Cells() == nil {
		return false, false // the actor has not allocated them: it counts
	}
	c := s.Get()
	ok, flush = c.add(phase)
	s.Put(c)
	return ok, flush
}

// add counts one success in phase in c, as stripes.add.
func (c *cell) add(phase uint32) (ok, flush bool) {
	tag := tagOf(phase)
	for {
		v := c.v.Load()
		if v&^(1<<32-1) != tag {
			return false, false
		}
		n := uint32(v) + 1
		if c.v.CompareAndSwap(v, tag|uint64(n)) {
			return true, n%flushEvery == 0
		}
	}
}

// claim takes a free slot for a permit granted in generation gen, in the
// cell of the caller's P or else in the next ones, and returns the low
// bits of its token; false when every slot is held or no cell is allocated
// yet.
func (s *stripes) claim(gen uint32) (uint64, bool) {
	cells := s.Cells()
	if cells == nil {
		return 0, false
	}
	c := &cells[tally.Proc()&uint32(len(cells)-1)]
	tok, ok := c.claim(gen)
	for i := uint32(1); !ok && i < uint32(s.Len()); i++ {
		tok, ok = s.At(tokCell(c.base) + i).claim(gen)
	}
	return tok, ok
}

// claim takes a free slot of c, as stripes.claim.
func (c *cell) claim(gen uint32) (uint64, bool) {
	for i := range c.slots {
		w := c.slots[i].Load()
		if w&1 != 0 {
			continue
		}
		seq := uint64(uint32(w)>>1+1) & seqMask
		if c.slots[i].CompareAndSwap(w, uint64(gen)<<32|seq<<1|1) {
			return c.base | uint64(i)<<slotShift | seq, true
		}
	}
	return 0, false
}

// free frees the slot of a token that claim gave, and returns its cell
// and the generation the permit was granted in; false when the slot is
// not held by that token (misuse).
func (s *stripes) free(tok uint64) (*cell, uint32, bool) {
	ci, si := tokCell(tok), uint32(tok>>slotShift)&slotMask
	cells := s.Cells()
	if ci >= uint32(len(cells)) || si >= slotsPerCell {
		return nil, 0, false
	}
	c := &cells[ci]
	for {
		w := c.slots[si].Load()
		if w&1 == 0 || w>>1&seqMask != tok&seqMask {
			return nil, 0, false
		}
		if c.slots[si].CompareAndSwap(w, w&^1) {
			return c, uint32(w >> 32), true
		}
	}
}

// sum returns how many successes the cells counted in phase, and false if
// a cell is tagged with another phase (the actor is moving them on).
func (s *stripes) sum(phase uint32) (uint64, bool) {
	tag := tagOf(phase)
	var n uint64
	cells := s.Cells()
	for i := range cells {
		v := cells[i].v.Load()
		if v&^(1<<32-1) != tag {
			return 0, false
		}
		n += uint64(uint32(v))
	}
	return n, true
}

// collect returns how many successes the cells counted since the last
// collect or retag, and whether a count has grown large enough for a new
// phase.
func (s *stripes) collect() (sum uint64, large bool) {
	cells := s.Cells()
	for i := range cells {
		n := uint32(cells[i].v.Load())
		sum += uint64(n - s.seen[i])
		s.seen[i] = n
		large = large || n >= rephaseAt
	}
	return sum, large
}

// retag moves every cell to a new phase with a zero count and returns how
// many successes they counted since the last collect — in the old phase.
func (s *stripes) retag() uint64 {
	s.phase++
	tag := tagOf(s.phase)
	var sum uint64
	cells := s.Cells()
	for i := range cells {
		v := cells[i].v.Swap(tag)
		sum += uint64(uint32(v) - s.seen[i])
		s.seen[i] = 0
	}
	return sum
}

// count adds the success r to the striped counters, and reports false when
// it must go to the actor instead: its permit is of an older generation,
// or it ended in a bucket of a time-based window other than the one the
// counters take.
func (b *Breaker) count(r *report) bool {
	gen := tokGen(r.token)
	if b.cells.Cells() == nil {
		return false // no cell yet: the actor counts it
	}
	for i := 0; ; i++ {
		s := b.snap.Load()
		if uint32(s.gen) != gen {
			return false
		}
		if s.timed {
			if r.at.IsZero() {
				r.at = b.clock.Now()
			}
			if epochOf(r.at, s.winBase, s.width) != s.epoch {
				return false
			}
		}
		ok, flush := b.cells.add(s.phase)
		if ok {
			if flush {
				b.actor.TryTell(request{op: opFlush})
			}
			return true
		}
		if b.actor.Err() != nil {
			return false
		}
		if i > 0 { // the actor moved the counters on; its snapshot follows
			runtime.Gosched()
		}
	}
}

// current returns the current generation and how many of its successes
// the striped counters have taken (0, 0 after shutdown).
func (b *Breaker) current() (uint32, uint64) {
	for {
		s := b.snap.Load()
		if n, ok := b.cells.sum(s.phase); ok {
			return uint32(s.gen), s.before + n
		}
		if b.actor.Err() != nil {
			return 0, 0
		}
		runtime.Gosched() // the actor is moving the counters on
	}
}

// sequence returns how many successes of the generation of tok the
// striped counters have taken (0 when tok is of an older generation).
func (b *Breaker) sequence(tok uint64) uint64 {
	gen := tokGen(tok)
	for {
		s := b.snap.Load()
		if uint32(s.gen) != gen {
			return 0
		}
		if n, ok := b.cells.sum(s.phase); ok {
			return s.before + n
		}
		if b.actor.Err() != nil {
			return 0
		}
		runtime.Gosched() // the actor is moving the counters on
	}
}
