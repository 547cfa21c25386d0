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
	x := NewLimit(0)
	if got := x.N(); got != MaxPermits {
		t.Fatalf("N of NewLimit(0): got %d, want %d", got, MaxPermits)
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
