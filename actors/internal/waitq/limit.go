package waitq

import (
	"runtime"
	"sync/atomic"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Limit is a limit on a Ledger that can change while the ledger is in use
// (an admission pattern's Reconfigure). The Ledger is made with the
// largest limit, MaxPermits; the Limit takes the permits beyond its own
// limit out of the pool and keeps them (parks them): first permits with no
// slot, then slots off the stacks. TryGrant and Redeem stay as they are: a
// parked permit is simply not free.
//
// Set, Settle, Grant, Close and Open are for one goroutine at a time (the
// pattern's actor, the owner); Held, AtMost, Over and N are safe for
// concurrent use. The owner parks a permit off the pool before it counts it
// parked, and counts it unparked before it puts it back, so that Held and
// AtMost never count fewer than are held.
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
// An owner that decides on every grant itself for a while (backpressure's
// actor, while backpressure is on or callers wait) closes the Limit:
// TryGrant refuses, Held is exact but for Redeems, which only lower it,
// and Grant grants beyond the limit if the owner's own rule says so; Open
// parks what was granted beyond the limit as it came back and reopens.
//
// Made, the ledger's peak, may count slots made for a higher limit and
// parked since (never more than the largest limit set).
type Limit struct {
	l *Ledger

	n    atomic.Int64 // the limit set last
	over atomic.Int64 // permits still to park: held beyond n
	// parked is the permits parked (len(slots) + unmade) in its low 32
	// bits, and above them a generation that each move of permits with no
	// slot between the ledger's count and parked moves on (see AtMost).
	parked atomic.Uint64

	// Owner only.
	slots  []uint32 // indexes of parked slots
	unmade int      // parked permits with no slot
}

// NewLimit returns a Limit of n (0..MaxPermits; outside that range,
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
// parked ones). It is exact while no caller grants or redeems, and while
// the ledger is closed but for Redeems; read while they do, it may be off
// by the permits that moved between the Ps' stacks as it read them, and,
// while Set or Settle moves permits, count those as held. No decision on
// the pool depends on it: TryGrant takes only a free permit, and Settle
// parks with compare-and-swaps.
func (x *Limit) Held() int { return max(x.l.Held()-x.nparked(), 0) }

// nparked returns the permits parked.
func (x *Limit) nparked() int { return int(uint32(x.parked.Load())) }

// moveOne is one generation of parked: one move of permits with no slot
// between the count and parked.
const moveOne = 1 << 32

// AtMost returns a bound on Held that reads no P's stack: the slots made
// and not parked (held, or free on a stack, or on their way between), from
// parked and the ledger's count, which only a grant that makes a slot and
// the owner write. It is safe for concurrent use and never below the
// permits held at an instant during the call: parked is read before the
// count and checked unchanged after it, so that no permit the owner moved
// from parked to the count meanwhile (Set, Settle, Open) is seen in both;
// when it changed, AtMost returns MaxPermits, no bound.
func (x *Limit) AtMost() int {
	p := x.parked.Load()
	c := x.l.count.Load()
	if x.parked.Load() != p {
		return MaxPermits
	}
	return MaxPermits - int(c&freeMask) - int(uint32(p))
}

// Set makes n the limit (0..MaxPermits; outside that range, MaxPermits;
// at 0 only Grant grants) and returns Over. A higher limit gives parked
// permits back at once; a lower one parks free permits, and those still
// held beyond n as Settle finds them back.
func (x *Limit) Set(n int) int {
	if n < 0 || n > MaxPermits {
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
	for have := x.nparked(); have > want; have = x.nparked() {
		x.unpark(have - want)
	}
	over := 0
	for have := x.nparked(); have < want; have = x.nparked() {
		if !x.park(want - have) {
			over = want - have
			break
		}
	}
	x.over.Store(int64(over))
	return over
}

// Grant grants a permit whatever the limit, while the ledger is closed
// too: a free one, else a parked one (the next Settle parks one again as
// holders give permits back). It is for an owner whose own rule admitted
// the call.
func (x *Limit) Grant() uint64 {
	l := x.l
	for {
		if t, ok := l.take(0); ok {
			return t
		}
		if n := len(x.slots); n > 0 {
			i := x.slots[n-1]
			x.slots = x.slots[:n-1]
			x.parked.Add(^uint64(0))
			s := l.slot(i)
			return l.stamp(s, i, s.word.Load()>>slotSeq+1, l.proc())
		}
		if x.unmade > 0 {
			x.unmade--
			x.parked.Add(^uint64(0))
			return l.make()
		}
		runtime.Gosched() // every permit is held, or on its way back
	}
}

// Close makes the ledger's TryGrant refuse until Open and returns Held,
// which from then on only Grant and Redeem change: the count is exact but
// for the Redeems that come after it (a Redeem that does not see the
// ledger Closed is in it). Redeem works while the ledger is closed.
func (x *Limit) Close() int {
	x.l.shut()
	return x.Held()
}

// Open settles and, if no more than the limit is held (Over is 0), opens
// the ledger and reports true; else it stays closed.
func (x *Limit) Open() bool {
	if x.Settle() > 0 {
		return false
	}
	x.l.reopen()
	return true
}

// park parks up to k free permits: permits with no slot, or else the slot
// on top of a stack, so that slots stay in use while permits with no slot
// are parked (and unpark gives parked slots back first: no slot is made
// while one is parked). It reports false when none was free: the stacks
// were all empty and no permit without a slot was free at one instant.
func (x *Limit) park(k int) bool {
	l := x.l
	var seen [tally.MaxCells]uint64
	for {
		cells := l.loadCells()
		at, found := l.collect(cells, &seen)
		c := l.count.Load()
		if m := min(k, int(c&freeMask)); m > 0 {
			if l.count.CompareAndSwap(c, c-uint64(m)) {
				x.unmade += m
				x.parked.Add(moveOne + uint64(m))
				return true
			}
			continue
		}
		if found {
			if i, _, _, ok := l.unstack(cells, uint32(at), 0); ok {
				x.slots = append(x.slots, i)
				x.parked.Add(1)
				return true
			}
			continue
		}
		if l.unchanged(cells, &seen) {
			return false
		}
	}
}

// unpark gives up to k parked permits back: a parked slot first (so that
// no slot is made while one is parked), else permits with no slot.
func (x *Limit) unpark(k int) {
	l := x.l
	if n := len(x.slots); n > 0 {
		i := x.slots[n-1]
		x.slots = x.slots[:n-1]
		x.parked.Add(^uint64(0))
		l.push(l.home(), i, l.slot(i).word.Load()&^linkMask)
		return
	}
	k = min(k, x.unmade)
	x.unmade -= k
	x.parked.Add(moveOne - uint64(k))
	l.count.Add(uint64(k))
}
