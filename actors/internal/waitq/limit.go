package waitq

import "sync/atomic"

// Limit is a limit on a Ledger that can change while the ledger is in use
// (an admission pattern's Reconfigure). The Ledger is made with the
// largest limit, MaxPermits; the Limit takes the permits beyond its own
// limit out of the pool and keeps them (parks them): first slots off the
// free stack, then permits not made yet. TryGrant and Redeem stay as they
// are: a parked permit is simply not free.
//
// Set and Settle are for one goroutine at a time (the pattern's actor);
// Held, Over and N are safe for concurrent use. The owner parks a permit
// off the pool before it counts it parked, and counts it unparked before it
// puts it back, so that Held never counts fewer than are held.
//
// A higher limit admits at once: parked permits go back to the pool. A
// lower limit parks what is free; when more than the new limit is held,
// the rest (Over) can only be parked as holders give permits back, so the
// owner keeps other grantors off the pool meanwhile and calls Settle when
// permits come back. A grantor that reads the pool after a holder gave a
// permit back and before Settle parked it can still take it: the permits
// held never exceed the larger of the old and the new limit, and fall to
// the new one as holders leave.
//
// Made, the ledger's peak, may count slots made for a higher limit and
// parked since (never more than the largest limit set).
type Limit struct {
	l *Ledger

	n      atomic.Int64 // the limit set last
	over   atomic.Int64 // permits still to park: held beyond n
	parked atomic.Int64 // permits parked: len(slots) + unmade

	// Owner only.
	slots  []uint32 // indexes of parked slots
	unmade int      // parked permits never made into slots
}

// NewLimit returns a Limit of n (1..MaxPermits; outside that range,
// MaxPermits) on a new Ledger, which Ledger returns.
func NewLimit(n int) *Limit {
	x := &Limit{l: NewLedger()}
	x.Set(n)
	return x
}

// Ledger returns the ledger x limits: callers grant and redeem on it.
func (x *Limit) Ledger() *Ledger { return x.l }

// N returns the limit set last.
func (x *Limit) N() int { return int(x.n.Load()) }

// Over returns how many permits are held beyond the limit, as of the last
// Set or Settle: while it is above 0 nobody else may be granted a permit.
func (x *Limit) Over() int { return int(x.over.Load()) }

// Held returns how many permits callers hold (the ledger's Held less the
// parked ones). It is exact in the owner's goroutine; another goroutine
// that reads it while Set or Settle moves permits may count the permits
// being moved as held (never fewer than are held).
func (x *Limit) Held() int { return max(x.l.Held()-int(x.parked.Load()), 0) }

// Set makes n the limit (1..MaxPermits; outside that range, MaxPermits)
// and returns Over. A higher limit gives parked permits back at once; a
// lower one parks free permits, and those still held beyond n as Settle
// finds them back.
func (x *Limit) Set(n int) int {
	if n <= 0 || n > MaxPermits {
		n = MaxPermits
	}
	x.n.Store(int64(n))
	return x.Settle()
}

// Settle parks permits given back since the last call until no more than
// the limit is held, and returns Over. It costs a few atomic loads when
// there is nothing to do.
func (x *Limit) Settle() int {
	want := MaxPermits - int(x.n.Load()) // permits to keep parked
	for have := int(x.parked.Load()); have > want; have = int(x.parked.Load()) {
		x.unpark(have - want)
	}
	over := 0
	for have := int(x.parked.Load()); have < want; have = int(x.parked.Load()) {
		if !x.park(want - have) {
			over = want - have
			break
		}
	}
	if len(x.slots) > 0 {
		x.swap()
	}
	x.over.Store(int64(over))
	return over
}

// park parks up to k free permits: the slot on top of the free stack, or
// else permits not made yet. It reports false when none was free.
func (x *Limit) park(k int) bool {
	l := x.l
	for {
		h := l.head.Load()
		if top := uint32(h & topMask); top != 0 {
			w := l.slot(top - 1).word.Load()
			if l.head.CompareAndSwap(h, (h&^topMask+tagOne-freeOne)|w&topMask) {
				x.slots = append(x.slots, top-1)
				x.parked.Add(1)
				return true
			}
			continue
		}
		// The stack is empty: the free count is the permits not made.
		free := int(h >> topBits & freeMask)
		if free == 0 {
			return false
		}
		k = min(k, free)
		if l.head.CompareAndSwap(h, h-uint64(k)*freeOne) {
			x.unmade += k
			x.parked.Add(int64(k))
			return true
		}
	}
}

// unpark gives up to k parked permits back: a parked slot first (so that
// no slot is made while one is parked), else permits not made.
func (x *Limit) unpark(k int) {
	l := x.l
	if n := len(x.slots); n > 0 {
		i := x.slots[n-1]
		x.slots = x.slots[:n-1]
		x.parked.Add(-1)
		s := l.slot(i)
		seq := s.word.Load() &^ linkMask // its sequence, not held
		for {
			h := l.head.Load()
			s.word.Store(seq | h&topMask)
			if l.head.CompareAndSwap(h, (h&^topMask+freeOne)|uint64(i+1)) {
				break
			}
		}
		return
	}
	k = min(k, x.unmade)
	x.unmade -= k
	x.parked.Add(-int64(k))
	l.head.Add(uint64(k) * freeOne)
}

// swap trades parked slots for parked permits not made yet while the free
// stack is empty and permits not made are free, so that a grant takes a
// parked slot rather than making a new one. With the stack empty the free
// count is the permits not made, so one compare-and-swap pushes up to that
// many slots, chained, and keeps the count.
func (x *Limit) swap() {
	l := x.l
	h := l.head.Load()
	free := int(h >> topBits & freeMask)
	if h&topMask != 0 || free == 0 {
		return
	}
	m := min(free, len(x.slots))
	chain := x.slots[len(x.slots)-m:]
	below := uint64(0)
	for _, i := range chain {
		s := l.slot(i)
		s.word.Store(s.word.Load()&^linkMask | below)
		below = uint64(i + 1)
	}
	if l.head.CompareAndSwap(h, h&^topMask|below) {
		x.slots = x.slots[:len(x.slots)-m]
		x.unmade += m
	}
}
