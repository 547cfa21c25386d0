package waitq

import (
	"sync"
	"sync/atomic"
	"testing"
)

// grantAll takes every permit the ledger grants and returns their tokens.
func grantAll(l *Ledger) []uint64 {
	var ts []uint64
	for {
		t, ok := l.TryGrant()
		if !ok {
			return ts
		}
		ts = append(ts, t)
	}
}

func TestLimitRaisesAtOnce(t *testing.T) {
	x := NewLimit(3)
	l := x.Ledger()
	if got := len(grantAll(l)); got != 3 {
		t.Fatalf("grants under a limit of 3: got %d", got)
	}
	if over := x.Set(5); over != 0 {
		t.Fatalf("Set(5) with 3 held: Over got %d, want 0", over)
	}
	if got := len(grantAll(l)); got != 2 {
		t.Fatalf("grants after raising to 5: got %d, want 2", got)
	}
	if got := x.Held(); got != 5 {
		t.Fatalf("Held: got %d, want 5", got)
	}
}

func TestLimitLowerBelowHeldAdmitsNobodyUntilUnder(t *testing.T) {
	x := NewLimit(5)
	l := x.Ledger()
	ts := grantAll(l)
	if over := x.Set(2); over != 3 {
		t.Fatalf("Set(2) with 5 held: Over got %d, want 3", over)
	}
	for i, want := range []int{2, 1, 0} {
		l.Redeem(ts[i])
		if over := x.Settle(); over != want {
			t.Fatalf("after %d releases: Over got %d, want %d", i+1, over, want)
		}
		if _, ok := l.TryGrant(); ok {
			t.Fatalf("after %d releases (%d held, limit 2): a grant, want none", i+1, x.Held()+1)
		}
	}
	l.Redeem(ts[3])
	x.Settle()
	if got := len(grantAll(l)); got != 1 {
		t.Fatalf("grants with 1 held under a limit of 2: got %d, want 1", got)
	}
	if got, made := x.Held(), l.Made(); got != 2 || made != 5 {
		t.Fatalf("Held, Made: got %d %d, want 2 5", got, made)
	}
}

func TestLimitLowerParksFreeSlotsAndRaiseReusesThem(t *testing.T) {
	x := NewLimit(5)
	l := x.Ledger()
	for _, tk := range grantAll(l) {
		l.Redeem(tk)
	}
	if over := x.Set(2); over != 0 {
		t.Fatalf("Set(2) with none held: Over got %d, want 0", over)
	}
	if got := len(grantAll(l)); got != 2 {
		t.Fatalf("grants under a limit of 2: got %d, want 2", got)
	}
	x.Set(5)
	if got := len(grantAll(l)); got != 3 {
		t.Fatalf("grants after raising back to 5: got %d, want 3", got)
	}
	if got := l.Made(); got != 5 {
		t.Fatalf("Made: got %d, want 5 (parked slots reused, none made)", got)
	}
	if got := l.Misused(); got != 0 {
		t.Fatalf("Misused: got %d, want 0", got)
	}
}

func TestLimitDoesNotMakeSlotsWhileSomeAreParked(t *testing.T) {
	x := NewLimit(10)
	l := x.Ledger()
	var ts []uint64
	for range 3 {
		tk, _ := l.TryGrant()
		ts = append(ts, tk)
	}
	l.Redeem(ts[1])
	l.Redeem(ts[2])
	// 1 held, 2 slots free, 7 not made: a limit of 5 parks 5.
	x.Set(5)
	if got := len(grantAll(l)); got != 4 {
		t.Fatalf("grants with 1 held under a limit of 5: got %d, want 4", got)
	}
	if got := l.Made(); got != 5 {
		t.Fatalf("Made: got %d, want 5 (the most held at once)", got)
	}
}

func TestLimitOutOfRangeIsMaxPermits(t *testing.T) {
	x := NewLimit(-1)
	if got := x.N(); got != MaxPermits {
		t.Fatalf("N of NewLimit(-1): got %d, want %d", got, MaxPermits)
	}
	x.Set(1)
	x.Set(MaxPermits + 1)
	if got := x.N(); got != MaxPermits {
		t.Fatalf("N after Set(MaxPermits+1): got %d, want %d", got, MaxPermits)
	}
}

// Dozens of goroutines grant and redeem while the owner moves the limit
// between 3 and 8: never more than 8 held, never more than 3 once the
// holders from before a lowering have left, nothing lost at the end.
func TestLimitStress(t *testing.T) {
	x := NewLimit(8)
	l := x.Ledger()
	var held, peak atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for !stop.Load() {
				tk, ok := l.TryGrant()
				if !ok {
					continue
				}
				n := held.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				held.Add(-1)
				if !l.Redeem(tk) {
					t.Error("Redeem of a held token: got false")
				}
			}
		})
	}
	for i := range 400 {
		n := 3
		if i%2 == 1 {
			n = 8
		}
		x.Set(n)
		for x.Settle() > 0 {
		}
		if h := x.Held(); h > 8 {
			t.Fatalf("Held after Set(%d): got %d, want ≤ 8", n, h)
		}
	}
	stop.Store(true)
	wg.Wait()
	x.Settle()
	if p := peak.Load(); p > 8 {
		t.Fatalf("most held at once: got %d, want ≤ 8", p)
	}
	if h, m := x.Held(), l.Made(); h != 0 || m > 8 {
		t.Fatalf("Held, Made at the end: got %d %d, want 0, ≤ 8", h, m)
	}
	x.Set(8)
	if got := len(grantAll(l)); got != 8 {
		t.Fatalf("grants after the run under a limit of 8: got %d, want 8", got)
	}
	if got := l.Misused(); got != 0 {
		t.Fatalf("Misused: got %d, want 0", got)
	}
}

// TestLimitNeverRefusesWhileAPermitIsFree: as many goroutines as the limit
// each take a permit and give it back in a loop, on the real clock, so a
// permit is always free when one of them asks: TryGrant must never refuse,
// however the permits move between the Ps' stacks meanwhile, and no more
// slots are made than the limit.
func TestLimitNeverRefusesWhileAPermitIsFree(t *testing.T) {
	for _, n := range []int{2, 3, 8} {
		x := NewLimit(n)
		l := x.Ledger()
		var refused, misused atomic.Int64
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				for range 20000 {
					tk, ok := l.TryGrant()
					if !ok {
						refused.Add(1)
						continue
					}
					if !l.Redeem(tk) {
						misused.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if refused.Load() != 0 || misused.Load() != 0 {
			t.Errorf("limit %d, %d goroutines: refused %d, misused %d; want 0, 0", n, n, refused.Load(), misused.Load())
		}
		if h, m := x.Held(), l.Made(); h != 0 || m > n {
			t.Errorf("limit %d: Held, Made: got %d, %d, want 0, ≤ %d", n, h, m, n)
		}
		if got := len(grantAll(l)); got != n {
			t.Errorf("limit %d: grants after the run: got %d", n, got)
		}
	}
}

// TestLimitRefusesForgedAndStaleTokens: a Limit's ledger, whose free slots
// are spread over the Ps' stacks, frees nothing for a token redeemed
// already, a token of a free slot with its last or next sequence, or a
// stale token of a slot granted again, and counts each as misuse.
func TestLimitRefusesForgedAndStaleTokens(t *testing.T) {
	x := NewLimit(2)
	l := x.Ledger()
	a, _ := l.TryGrant()
	b, _ := l.TryGrant()
	l.Redeem(a)
	refuse := func(toks ...uint64) {
		t.Helper()
		for _, tk := range toks {
			if l.Redeem(tk) {
				t.Fatalf("Redeem(%#x): got true, want false", tk)
			}
		}
	}
	refuse(a, a&^seqMask|(a+1)&seqMask, a&^seqMask|(a-1)&seqMask) // a's slot is free
	again, _ := l.TryGrant()                                      // a's slot, with the next sequence
	refuse(a, b^1, 0)
	if got := l.Misused(); got != 6 {
		t.Fatalf("Misused: got %d, want 6", got)
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("a third TryGrant at limit 2 after the forged Redeems: granted")
	}
	if !l.Redeem(again) || !l.Redeem(b) || x.Held() != 0 {
		t.Fatalf("the held tokens: Redeem refused, or Held %d after", x.Held())
	}
	if got, want := l.Granted(), uint64(3); got != want {
		t.Fatalf("Granted: got %d, want %d", got, want)
	}
}

// TestLimitRefusalIsNotARaceWithRedeem: a TryGrant that has found every
// stack empty and then sees a permit given back before it reads the count
// grants that permit instead of refusing; so does Settle's park.
func TestLimitRefusalIsNotARaceWithRedeem(t *testing.T) {
	x := NewLimit(1)
	l := x.Ledger()
	held, _ := l.TryGrant()
	testHookEmpty = func() {
		testHookEmpty = nil
		l.Redeem(held)
	}
	defer func() { testHookEmpty = nil }()
	tk, ok := l.TryGrant()
	if !ok {
		t.Fatal("TryGrant while the only permit was given back: refused")
	}
	x.Set(2)
	other, _ := l.TryGrant()
	if over := x.Set(1); over != 1 {
		t.Fatalf("Set(1) with 2 held: Over got %d, want 1", over)
	}
	testHookEmpty = func() {
		testHookEmpty = nil
		l.Redeem(tk)
	}
	if over := x.Settle(); over != 0 || x.Held() != 1 {
		t.Fatalf("Settle while a permit was given back: Over %d, Held %d, want 0, 1", over, x.Held())
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("TryGrant with 1 held under a limit of 1: granted")
	}
	if !l.Redeem(other) {
		t.Fatal("Redeem of the held token: refused")
	}
}
