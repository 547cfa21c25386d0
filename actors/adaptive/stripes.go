package adaptive

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Reports are not sent to the actor one message each, so that callers on
// many cores do not meet on one mailbox. Release adds its outcome
// to one of a few striped cells instead, and the actor collects the sums
// — its harvest — when a caller nudges it, before each Stats copy and
// after each batch of messages. A caller nudges when its add brings a cell to a
// multiple of the cell's share of a window (or of the failures that decide
// one early): then a window's worth of samples may be complete. At most
// one nudge is in flight at a time.
//
// The cells are a tally.Stripes. The cell is picked by the in-flight count
// the caller's compare-and-swap took the permit back from (tally's At):
// callers releasing at the same time took it from different counts, so
// they rarely meet on one cell, and it costs nothing.

const (
	// maxEvery caps a cell's nudge period, so that no cell wraps its
	// 32-bit counts between two harvests however large Window is.
	maxEvery = 1 << 20
)

// cell is one stripe of reports, tally.CellSize bytes.
type cell struct {
	// n packs the failures (high half) and the successes plus failures
	// (low half) added since the last harvest, so that one atomic add
	// counts a report and the harvest takes both at once.
	n       atomic.Uint64
	ignored atomic.Uint64
	rttSum  atomic.Int64 // Vegas: of successes and failures
	peak    atomic.Int64 // Vegas: highest in-flight seen
	_       [96]byte
}

// stripes are the cells of one limiter and when to nudge the actor. add
// is safe for concurrent use; harvest is called by the actor only.
type stripes struct {
	tally.Stripes[cell]
	// A cell whose count reaches a multiple of every (its share of a
	// window) or whose failures reach a multiple of failEvery (its share
	// of the failures that decide a window early) asks for a harvest.
	// Reconfigure changes them (setWindow) while callers read them.
	every, failEvery atomic.Uint64
}

// init makes cells for the machine's parallelism (four a P, at least 8)
// and splits cfg's window between them.
func (s *stripes) init(cfg Config) {
	s.Init(4, 8, nil)
	s.setWindow(cfg)
}

// setWindow splits cfg's window between the cells.
func (s *stripes) setWindow(cfg Config) {
	n := s.Len()
	share := func(k int) uint64 { return uint64(max(1, min(maxEvery, (k+n-1)/n))) }
	s.every.Store(share(cfg.Window))
	s.failEvery.Store(share(decidingFailures(cfg)))
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

// add counts one report: outcome success or failure (ok), or ignored
// (!ok), of a call released while inflight calls (this one included) ran.
// rtt and inflight are kept for the window under Vegas only (latency). It
// reports whether the actor should harvest soon.
func (s *stripes) add(failed, ok, latency bool, rtt time.Duration, inflight int64) bool {
	cells := s.Cells()
	if cells == nil {
		cells = s.Ensure() // the first Release
	}
	c := &cells[uint32(inflight)&uint32(len(cells)-1)]
	if !ok {
		c.ignored.Add(1)
		return false
	}
	if latency {
		c.rttSum.Add(int64(rtt))
		for p := c.peak.Load(); inflight > p && !c.peak.CompareAndSwap(p, inflight); p = c.peak.Load() {
		}
	}
	d := uint64(1)
	if failed {
		d |= 1 << 32
	}
	v := c.n.Add(d)
	if uint32(v)%uint32(s.every.Load()) == 0 {
		return true
	}
	return failed && (v>>32)%s.failEvery.Load() == 0
}

// harvest takes every cell's reports since the last harvest: the samples
// for the window (successes and failures, their latency and peak
// in-flight) and the ignored ones.
func (s *stripes) harvest() (b batch, ignored uint64) {
	cells := s.Cells()
	for i := range cells {
		c := &cells[i]
		if c.n.Load() != 0 {
			v := c.n.Swap(0)
			f := int(v >> 32)
			b.successes += int(uint32(v)) - f
			b.failures += f
		}
		if c.ignored.Load() != 0 {
			ignored += c.ignored.Swap(0)
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
