package waitq

import (
	"runtime"
	"testing"
)

// TestStolenSlotGoesBackToTheTakersStack: a slot taken off another P's
// stack (the caller's own was empty) is redeemed onto the caller's stack,
// so that a P which made fewer slots than it uses stops taking them from
// the other Ps' stacks at the first Redeem (before, it went back where it
// came from, and a P with no slot of its own took one off another P's
// stack on every call).
func TestStolenSlotGoesBackToTheTakersStack(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	x := NewLimit(4)
	for _, tc := range []struct {
		name string
		l    *Ledger
		held func() int
	}{
		{"a Limit's ledger", x.Ledger(), x.Held},
		{"a ledger of 4", NewLimitedLedger(4), nil},
	} {
		l := tc.l
		if tc.held == nil {
			tc.held = l.Held
		}
		if l.ncells < 2 {
			t.Fatalf("%s: %d cells at GOMAXPROCS 2, want 2 or more", tc.name, l.ncells)
		}
		func() {
			// One P from here on: tally.Proc is 0, cell 0 is the caller's.
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			first, ok := l.TryGrant()
			if !ok || !l.Redeem(first) {
				t.Fatalf("%s: the first grant and redeem failed", tc.name)
			}
			cells := l.loadCells()
			i, _, w, ok := l.unstack(cells, 0, 0)
			if !ok {
				t.Fatalf("%s: the slot made by P 0 is not on cell 0's stack", tc.name)
			}
			l.push(&cells[1], i, w&^linkMask) // as if P 1 had made it
			tok, ok := l.TryGrant()
			if !ok {
				t.Fatalf("%s: TryGrant with a free slot on cell 1's stack: refused", tc.name)
			}
			if !l.Redeem(tok) {
				t.Fatalf("%s: Redeem of the stolen slot: got false", tc.name)
			}
			if got0, got1 := stackSize(&cells[0]), stackSize(&cells[1]); got0 != 1 || got1 != 0 {
				t.Errorf("%s: after P 0 took the slot off cell 1's stack and redeemed it: stacks of cells 0 and 1 hold %d and %d, want 1 and 0",
					tc.name, got0, got1)
			}
			if got := tc.held(); got != 0 {
				t.Errorf("%s: Held: got %d, want 0", tc.name, got)
			}
		}()
	}
}

func stackSize(c *cell) uint64 { return c.head.Load() & sizeMask >> indexBits }
