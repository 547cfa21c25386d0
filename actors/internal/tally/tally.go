// Package tally is the one striped counter of the patterns: a few cells,
// each alone on its cache lines, so that callers on different cores add to
// their counts without fighting over one line, and a reader — the
// pattern's actor, or Stats — sums them.
//
// Stripes[C] holds the cells; C is the pattern's own cell type (its
// counters as atomic words, padded to CellSize bytes), so each pattern
// keeps the operations its counts need: plain adds summed on demand (Set,
// the counters of the patterns whose calls never reach an actor), a
// phase-tagged count the actor collects and moves on (the circuit
// breaker), adds the actor harvests by swapping them to zero (the
// adaptive limiter). Two ways to pick a cell, chosen by the caller:
//
//   - Get and Put: a sync.Pool, which is per P, so the callers running on
//     one core keep using the cell that core used last;
//   - At(i): the caller's own spread (the adaptive limiter uses the
//     in-flight count its compare-and-swap saw; the circuit breaker's
//     Acquire uses Proc, the index of its P).
//
// Which cell a caller gets is only about speed: every cell counts
// correctly.
//
// The cells are allocated on first use, so an instance nobody calls costs
// a Stripes header, not its cells.
package tally

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	_ "unsafe" // for go:linkname

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// procPin and procUnpin are the runtime's (the ones sync.Pool uses): the
// index of the caller's P, pinned to it until procUnpin.
//
//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// CellSize is the size a cell type should have: two cache lines (the
// adjacent-line prefetcher pairs them).
const CellSize = 128

// MaxCells is the most cells a Stripes holds.
const MaxCells = 64

// Size returns how many cells suit this process: perP per P, rounded up
// to a power of two, at least least and at most MaxCells.
func Size(perP, least int) int {
	n := 1 << bits.Len(uint(max(1, perP*runtime.GOMAXPROCS(0))-1))
	return max(least, min(MaxCells, n))
}

// Stripes is a power-of-two number of cells of type C, allocated on first
// use. Init it before use and do not copy it after. Every method is safe
// for concurrent use; what a cell's words mean is its user's business.
type Stripes[C any] struct {
	cells   atomic.Pointer[[]C] // nil until first use
	n       uint32
	next    atomic.Uint32
	pool    sync.Pool       // of *C: a P finds the cell it used last
	prepare func(cells []C) // readies new cells before anyone sees them
}

// Init sizes the Stripes at Size(perP, least) cells; prepare, if not nil,
// readies them (zeroed) when they are allocated, before any other
// goroutine sees them, in the goroutine that first needs them.
func (s *Stripes[C]) Init(perP, least int, prepare func(cells []C)) {
	s.n = uint32(Size(perP, least))
	s.prepare = prepare
}

// Len returns how many cells the Stripes has (or will have).
func (s *Stripes[C]) Len() int { return int(s.n) }

// Ensure returns the cells, allocating them if nobody has yet.
func (s *Stripes[C]) Ensure() []C {
	if p := s.cells.Load(); p != nil {
		return *p
	}
	return s.alloc()
}

// alloc allocates and prepares the cells, unless another goroutine got
// there first, and returns those that are in place.
func (s *Stripes[C]) alloc() []C {
	cells := make([]C, s.n)
	if s.prepare != nil {
		s.prepare(cells)
	}
	if s.cells.CompareAndSwap(nil, &cells) {
		return cells
	}
	return *s.cells.Load()
}

// Cells returns every cell for a reader that sums or collects them, or
// nil if none has been allocated yet (nothing was counted).
func (s *Stripes[C]) Cells() []C {
	if p := s.cells.Load(); p != nil {
		return *p
	}
	return nil
}

// Get returns the cell the caller's P used last (another cell, in turn,
// when it has none), allocating the cells if need be; hand it back with
// Put.
func (s *Stripes[C]) Get() *C {
	if c, ok := s.pool.Get().(*C); ok {
		return c
	}
	return s.another()
}

// another returns the next cell in turn, allocating the cells if need be:
// the cell of a P that has none in the pool.
func (s *Stripes[C]) another() *C {
	cells := s.Ensure()
	return &cells[s.next.Add(1)&(s.n-1)]
}

// Put hands back a cell taken with Get.
func (s *Stripes[C]) Put(c *C) { s.pool.Put(c) }

// Proc returns the index of the P the caller runs on (0 <= Proc() <
// GOMAXPROCS): a per-core spread cheaper than a Get and Put pair, for a
// caller that picks its cell itself (with At, or from Cells). The caller
// may have moved to another P by the time it uses the cell, which only
// costs speed.
func Proc() uint32 {
	p := procPin()
	procUnpin()
	return uint32(p)
}

// At returns cell i modulo the number of cells, allocating the cells if
// need be.
func (s *Stripes[C]) At(i uint32) *C {
	cells := s.Ensure()
	return &cells[i&(s.n-1)]
}

// Max is how many counters a Set holds.
const Max = 8

// Line is one cell of a Set: Max counters on their own cache lines.
type Line struct {
	c [Max]atomic.Uint64
	_ [CellSize - 8*Max]byte
}

// Add adds d to counter i (0 <= i < Max).
func (l *Line) Add(i int, d uint64) { l.c[i].Add(d) }

// Set is Max counters striped over a few Lines. The zero value is not
// usable; make one with New. Add, Pick, Put, Sum, Sums and Reset are safe
// for concurrent use.
type Set struct {
	s Stripes[Line]
}

// New returns a Set with two lines a P (at least 2).
func New() *Set {
	s := &Set{}
	s.s.Init(2, 2, nil)
	return s
}

// Pick returns a line for the caller to Add to; hand it back with Put.
// A call that counts several things picks once.
func (s *Set) Pick() *Line { return s.s.Get() }

// Put hands back a line taken with Pick.
func (s *Set) Put(l *Line) { s.s.pool.Put(l) }

// Add adds d to counter i: Pick, Add, Put.
func (s *Set) Add(i int, d uint64) {
	l := s.Pick()
	l.Add(i, d)
	s.Put(l)
}

// Sum returns counter i summed over the lines. Adds that run concurrently
// with Sum may or may not be in it; every Add that returned before Sum
// began is.
func (s *Set) Sum(i int) uint64 {
	var n uint64
	cells := s.s.Cells()
	for j := range cells {
		n += cells[j].c[i].Load()
	}
	return n
}

// Sums returns every counter, as Sum does.
func (s *Set) Sums() [Max]uint64 {
	var out [Max]uint64
	cells := s.s.Cells()
	for j := range cells {
		for i := range out {
			out[i] += cells[j].c[i].Load()
		}
	}
	return out
}

// Reset sets every counter to zero. An Add concurrent with Reset may
// survive it or not; Adds that return after Reset returns all count.
func (s *Set) Reset() {
	cells := s.s.Cells()
	for j := range cells {
		for i := range cells[j].c {
			cells[j].c[i].Store(0)
		}
	}
}

// Err is the error every pattern's Stats returns beside its figures: nil,
// or messages.ErrStopped once eng has begun Shutdown.
func Err(eng *engine.Engine) error {
	if eng.Stopped() {
		return messages.ErrStopped
	}
	return nil
}

// Ratio is n / d, or 0 when d is 0: the rates the patterns' Stats report.
func Ratio(n, d uint64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
