package circuitbreaker

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// The successes of CLOSED calls — the hot path — are not sent to the actor
// one message each: the mailbox's lock was where a busy breaker spent its
// time. Each is added instead to one of a few striped counters (cells),
// and the actor collects the sums when it next needs them: before it
// handles any report, Stats, Reset or SetMode, at each bucket boundary of
// a time-based window, and at each change of generation. So a success that
// happened before a failure is applied before it (read-your-writes holds
// for successes too), and Stats sees every success whose Release returned.
//
// A cell packs a generation tag (the low 32 bits of the generation, high
// half) and a count (low half, wrapping). A caller adds to a cell only
// while its tag is the generation of the caller's permit; the actor
// re-tags every cell, by CAS, at each change of generation, taking the
// cell's last count of the old generation in the same step. A caller whose
// permit is older than the cell's tag sends its report the old way, and
// the actor counts it as a late report, as before.
//
// A caller takes its cell from a sync.Pool, which is per P: the callers
// running on one P keep using the cell it used last, so a cell's cache line
// stays with one core instead of bouncing between cores as it would with a
// random pick (on 2 cores, a random pick made parallel Execute slower than
// serial; the p99 of the closed loop halves). Which cell a caller gets is
// only about speed: any cell of the right tag counts correctly.

const (
	// flushEvery: a caller whose add brings a cell's count to a multiple
	// of it asks the actor to collect, so that no cell wraps its 32-bit
	// count between two collections (4096 asks would have to be lost).
	flushEvery = 1 << 20
	minCells   = 8
	maxCells   = 64
)

// cell is one counter, alone on its cache lines (128 bytes: the adjacent
// line prefetcher pairs lines).
type cell struct {
	v atomic.Uint64 // tag<<32 | count
	_ [120]byte
}

// stripes are the success counters of one breaker. add is safe for
// concurrent use; collect and retag are called by the actor's goroutine
// only (seen is its own).
type stripes struct {
	pool  sync.Pool     // of *cell: a P finds the cell it used last
	next  atomic.Uint32 // the cell the pool hands out when it has none
	cells []cell
	mask  uint32
	seen  []uint32 // each cell's count at the last collect or retag
}

// newStripes makes counters for the machine's parallelism (four cells a
// P, a power of two from 8 to 64: enough that the pool, which hands them
// out in turn when a P has none, rarely puts two Ps on one cell, few enough
// that collecting them stays cheap), tagged gen.
func newStripes(gen uint64) *stripes {
	n := max(minCells, min(maxCells, 1<<bits.Len(uint(4*runtime.GOMAXPROCS(0)-1))))
	s := &stripes{cells: make([]cell, n), mask: uint32(n - 1), seen: make([]uint32, n)}
	for i := range s.cells {
		s.cells[i].v.Store(tagOf(gen))
	}
	s.pool.New = func() any { return &s.cells[s.next.Add(1)&s.mask] }
	return s
}

func tagOf(gen uint64) uint64 { return uint64(uint32(gen)) << 32 }

// add counts one success of a permit of generation gen. It reports false
// when the cell it took is tagged with another generation (the report
// must go to the actor), and flush when the actor should collect soon.
func (s *stripes) add(gen uint64) (ok, flush bool) {
	c := s.pool.Get().(*cell)
	tag := tagOf(gen)
	for {
		v := c.v.Load()
		if v&^(1<<32-1) != tag {
			s.pool.Put(c)
			return false, false
		}
		n := uint32(v) + 1
		if c.v.CompareAndSwap(v, tag|uint64(n)) {
			s.pool.Put(c)
			return true, n%flushEvery == 0
		}
	}
}

// collect returns how many successes the cells counted since the last
// collect or retag.
func (s *stripes) collect() uint64 {
	var sum uint64
	for i := range s.cells {
		n := uint32(s.cells[i].v.Load())
		sum += uint64(n - s.seen[i])
		s.seen[i] = n
	}
	return sum
}

// retag moves every cell to generation gen and returns how many successes
// they counted since the last collect or retag — for the generation they
// were tagged with before.
func (s *stripes) retag(gen uint64) uint64 {
	tag := tagOf(gen)
	var sum uint64
	for i := range s.cells {
		c := &s.cells[i]
		for {
			v := c.v.Load()
			if c.v.CompareAndSwap(v, tag|uint64(uint32(v))) {
				n := uint32(v)
				sum += uint64(n - s.seen[i])
				s.seen[i] = n
				break
			}
		}
	}
	return sum
}
