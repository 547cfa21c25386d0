package adaptive

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
)

// Reports are not sent to the actor one message each, so that callers on
// many cores do not meet on one mailbox, and a success is not reported at
// all: the limiter's in-flight word also counts the grants, so grants
// minus in-flight is the number of calls ended, which one atomic add per
// Release moves on. A failure or an ignored outcome is added to one of a
// few striped cells before its call's count is lowered, and under Vegas
// every call's latency is too; the actor collects them — its harvest —
// when a caller nudges it, before each Stats copy and after each batch of
// messages. The calls ended that reported nothing else are the successes:
// the harvest reads the ended count before the cells, so it never counts
// a success that is in fact a failure whose report it has not seen (it
// may see that failure before its call ends, and then counts the
// successes of that call's time later). A caller nudges when its Release
// ends a multiple of Window calls, or when its add brings a cell's
// failures to a multiple of its share of those that decide a window
// early. At most one nudge is in flight at a time.
//
// The cells are a tally.Stripes, and they also hold the slots of the
// permits: Acquire claims a free slot in one of the few cells of its P
// (tally.Proc) and the token names it; Release frees that slot with one
// compare-and-swap, which succeeds only for the token of the slot's
// current grant, and adds its report, if any, to the same cell. A call's
// permit and report stay on its core's cache lines, and the only words
// that all callers write are the limiter's in-flight word and, when a P's
// cells are full, its Ledger. Which cell a caller claims in is only about
// speed: any slot makes a token that redeems exactly once.

const (
	// The in-flight word: the grants (high bits, wrapping) and the permits
	// in flight (low countBits bits, up to LargestMaxLimit).
	countBits = 21
	grantOne  = 1 << countBits
	countMask = grantOne - 1
	endedMask = 1<<(64-countBits) - 1

	// maxEvery caps a cell's failure nudge period, so that no cell wraps
	// its 32-bit counts between two harvests however large Window is.
	maxEvery = 1 << 20

	// A token of a cell's slot: the limiter's cell id (waitq.IDMask),
	// then the slot's index — its cell<<slotShift | its place in the
	// cell — then the sequence of its grant.
	slotsPerCell = 13
	slotShift    = 4
	seqBits      = 24
	seqMask      = 1<<seqBits - 1
	indexMask    = ^waitq.IDMask >> seqBits

	// homeCells is how many cells a P claims in, the cells
	// homeCells*Proc() and the next ones, before it turns to the Ledger.
	homeCells = 4
)

// cell is one stripe of reports and of permit slots, tally.CellSize bytes.
type cell struct {
	// n packs the failures (high half) and the ignored outcomes (low
	// half) added since the last harvest, so that one atomic add counts a
	// report and the harvest takes both at once.
	n      atomic.Uint64
	rttSum atomic.Int64 // Vegas: of successes and failures
	peak   atomic.Int64 // Vegas: highest in-flight seen
	// slots are permits' places: seq<<1 | held, seq being the sequence of
	// the current (held) or last (free) grant.
	slots [slotsPerCell]atomic.Uint64
}

// stripes are the cells of one limiter and when to nudge the actor.
// claim, free, at and add are safe for concurrent use; harvest is called
// by the actor only.
type stripes struct {
	tally.Stripes[cell]
	// A Release that ends a multiple of every+1 calls (every+1 the
	// largest power of two up to Window), or whose failure brings its
	// cell's failures to a multiple of failEvery (its share of the
	// failures that decide a window early), asks for a harvest.
	// Reconfigure changes them (setWindow) while callers read them.
	every, failEvery atomic.Uint64
}

// init makes cells for the machine's parallelism (four a P, at least 8)
// and sets when to nudge for cfg's window.
func (s *stripes) init(cfg Config) {
	s.Init(homeCells, 8, nil)
	s.setWindow(cfg)
}

// setWindow sets when to nudge for cfg's window: at least once a Window of
// calls ended, and at every cell's share of the failures that decide one
// early.
func (s *stripes) setWindow(cfg Config) {
	n := s.Len()
	s.every.Store(1<<(bits.Len(uint(cfg.Window))-1) - 1)
	s.failEvery.Store(uint64(max(1, min(maxEvery, (decidingFailures(cfg)+n-1)/n))))
}

// decidingFailures is the fewest failures that decide a window early (see
// state.record): the least f with f/Window >= DecreaseAtFailureRate.
func decidingFailures(cfg Config) int {
	w := cfg.Window
	lost := func(f int) bool { return float64(f)/float64(w) >= cfg.DecreaseAtFailureRate }
	f := min(w, max(1, int(math.Ceil(float64(w)*cfg.DecreaseAtFailureRate))))
	for f > 1 && lost(f-1) {
		f--
	}
	for f < w && !lost(f) {
		f++
	}
	return f
}

// claim takes a free slot in the cells of the caller's P and returns its
// token, made with id (the limiter's cell id); false when they are all
// held. The cells are allocated by the first claim.
func (s *stripes) claim(id uint64) (uint64, bool) {
	cells := s.Cells()
	if cells == nil {
		cells = s.Ensure()
	}
	mask := uint32(len(cells) - 1)
	home := tally.Proc() * homeCells
	for j := range uint32(homeCells) {
		k := (home + j) & mask
		c := &cells[k]
		for i := range c.slots {
			w := c.slots[i].Load()
			if w&1 != 0 {
				continue
			}
			seq := (w>>1 + 1) & seqMask
			if c.slots[i].CompareAndSwap(w, seq<<1|1) {
				return id | uint64(k<<slotShift|uint32(i))<<seqBits | seq, true
			}
		}
	}
	return 0, false
}

// free gives back the slot of token, a token with the limiter's cell id,
// and returns its cell; nil if the token is not held (freed already, or
// forged): then nothing changed.
func (s *stripes) free(token uint64) *cell {
	cells := s.Cells()
	idx := token >> seqBits & indexMask
	k, i := idx>>slotShift, idx&(1<<slotShift-1)
	if k >= uint64(len(cells)) || i >= slotsPerCell {
		return nil
	}
	c := &cells[k]
	held := (token&seqMask)<<1 | 1
	if !c.slots[i].CompareAndSwap(held, held&^1) {
		return nil
	}
	return c
}

// at returns the cell to report a Ledger's permit in: the one of the
// caller's P.
func (s *stripes) at() *cell { return s.At(tally.Proc() * homeCells) }

// add counts in c the report of a call that has not ended yet: a failure
// (failed), an ignored outcome (!ok) or, under Vegas (latency), the
// latency rtt of a success or failure. It reports whether the actor
// should harvest soon.
func (s *stripes) add(c *cell, failed, ok, latency bool, rtt time.Duration) bool {
	if !ok {
		c.n.Add(1)
		return false
	}
	if latency {
		c.rttSum.Add(int64(rtt))
	}
	return failed && (c.n.Add(1<<32)>>32)%s.failEvery.Load() == 0
}

// seen records inflight, the in-flight count a call under Vegas ended at,
// as the highest seen in c.
func (c *cell) seen(inflight int64) {
	for p := c.peak.Load(); inflight > p && !c.peak.CompareAndSwap(p, inflight); p = c.peak.Load() {
	}
}

// harvest takes every cell's reports since the last harvest: the failures
// and the Vegas samples for the window (b's successes stay 0: the caller
// counts them) and the ignored outcomes.
func (s *stripes) harvest() (b batch, ignored uint64) {
	cells := s.Cells()
	for i := range cells {
		c := &cells[i]
		if c.n.Load() != 0 {
			v := c.n.Swap(0)
			b.failures += int(v >> 32)
			ignored += uint64(uint32(v))
		}
		if c.rttSum.Load() != 0 {
			b.rttSum += time.Duration(c.rttSum.Swap(0))
		}
		if c.peak.Load() != 0 {
			b.peak = max(b.peak, int(c.peak.Swap(0)))
		}
	}
	return b, ignored
}
