package waitq

import "sync/atomic"

// Pool is a count of free slots, 0..Max, that callers take and give back
// by compare-and-swap. Set sets its size; its zero value has no slots. It
// is safe for concurrent use and does no work proportional to its size.
type Pool struct {
	free atomic.Int64
	max  int64
}

// Set makes the pool n slots, all free. Call it before the pool is shared.
func (p *Pool) Set(n int) {
	p.max = int64(n)
	p.free.Store(p.max)
}

// Max returns the pool's size.
func (p *Pool) Max() int { return int(p.max) }

// InUse returns how many slots are taken.
func (p *Pool) InUse() int { return int(p.max - p.free.Load()) }

// Take takes a free slot, if there is one, and reports whether it did.
func (p *Pool) Take() bool {
	for {
		f := p.free.Load()
		if f <= 0 {
			return false
		}
		if p.free.CompareAndSwap(f, f-1) {
			return true
		}
	}
}

// Put gives a slot back, unless every slot is free; it reports whether it
// did.
func (p *Pool) Put() bool {
	for {
		f := p.free.Load()
		if f >= p.max {
			return false
		}
		if p.free.CompareAndSwap(f, f+1) {
			return true
		}
	}
}
