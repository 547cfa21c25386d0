// Package tally holds the counters of the patterns whose calls never
// reach an actor (retry, timeout, fallback): a fixed set of uint64
// counters, striped over cache lines so that callers on different cores
// do not fight over one line, summed when someone asks for Stats.
//
// A caller takes a Line from a sync.Pool, which is per P, so the callers
// running on one core keep writing the line that core used last (a random
// pick moves lines between cores; see actors/circuitbreaker/stripes.go for
// the measurements that chose the pool). Any line counts correctly: the
// pick is only about speed.
package tally

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Max is how many counters a Set holds.
const Max = 8

// Line is one stripe of a Set's counters, alone on its cache lines
// (128 bytes: the adjacent-line prefetcher pairs lines).
type Line struct {
	c [Max]atomic.Uint64
	_ [64]byte
}

// Add adds d to counter i (0 <= i < Max).
func (l *Line) Add(i int, d uint64) { l.c[i].Add(d) }

// Set is Max counters striped over a few Lines. The zero value is not
// usable; make one with New. Add, Pick, Put and Sum are safe for
// concurrent use.
type Set struct {
	lines []Line
	next  atomic.Uint32
	pool  sync.Pool // of *Line: a P finds the line it used last
}

// New returns a Set with two lines a P (at least 2, at most 64).
func New() *Set {
	n := min(64, max(2, 2*runtime.GOMAXPROCS(0)))
	s := &Set{lines: make([]Line, n)}
	s.pool.New = func() any { return &s.lines[int(s.next.Add(1))%n] }
	return s
}

// Pick returns a line for the caller to Add to; hand it back with Put.
// A call that counts several things picks once.
func (s *Set) Pick() *Line { return s.pool.Get().(*Line) }

// Put hands back a line taken with Pick.
func (s *Set) Put(l *Line) { s.pool.Put(l) }

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
	for j := range s.lines {
		n += s.lines[j].c[i].Load()
	}
	return n
}

// Sums returns every counter, as Sum does.
func (s *Set) Sums() [Max]uint64 {
	var out [Max]uint64
	for j := range s.lines {
		for i := range out {
			out[i] += s.lines[j].c[i].Load()
		}
	}
	return out
}

// Reset sets every counter to zero. An Add concurrent with Reset may
// survive it or not; Adds that return after Reset returns all count.
func (s *Set) Reset() {
	for j := range s.lines {
		for i := range s.lines[j].c {
			s.lines[j].c[i].Store(0)
		}
	}
}

// Ratio is n / d, or 0 when d is 0: the rates the patterns' Stats report.
func Ratio(n, d uint64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
