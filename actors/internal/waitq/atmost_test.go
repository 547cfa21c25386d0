package waitq

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// checkAtMost fails unless AtMost is want, the slots made and not parked,
// and no less than Held.
func checkAtMost(t *testing.T, x *Limit, step string, want int) {
	t.Helper()
	got := x.AtMost()
	if got != want || got != x.l.Made()-len(x.slots) || got < x.Held() {
		t.Fatalf("%s: AtMost got %d, want %d (Made %d, slots parked %d, Held %d)", step, got, want, x.l.Made(), len(x.slots), x.Held())
	}
}

// AtMost counts the slots made and not parked, through grants, redeems,
// lower and higher limits, Close, Grant beyond the limit and Open; a move
// of permits with no slot between the count and parked, either way, moves
// parked's generation on (so that AtMost sees it).
func TestAtMostIsTheSlotsNotParked(t *testing.T) {
	x := NewLimit(10)
	l := x.Ledger()
	checkAtMost(t, x, "new", 0)
	var ts []uint64
	for range 4 {
		tk, _ := l.TryGrant()
		ts = append(ts, tk)
	}
	checkAtMost(t, x, "4 held", 4)
	l.Redeem(ts[0])
	l.Redeem(ts[1])
	ts = ts[2:]
	checkAtMost(t, x, "2 held, 2 free", 4)
	gen := x.parked.Load() / moveOne
	x.Set(3) // parks the 6 permits with no slot, then a free slot
	checkAtMost(t, x, "Set(3), 2 held", 3)
	if g := x.parked.Load() / moveOne; g <= gen {
		t.Fatalf("generation after parking permits with no slot: got %d, want above %d", g, gen)
	}
	if over := x.Set(1); over != 1 {
		t.Fatalf("Set(1) with 2 held: Over got %d, want 1", over)
	}
	checkAtMost(t, x, "Set(1), 2 held", 2)
	x.Close()
	ts = append(ts, x.Grant()) // a parked slot, beyond the limit
	checkAtMost(t, x, "closed, Grant", 3)
	for _, tk := range ts {
		l.Redeem(tk)
	}
	checkAtMost(t, x, "closed, all redeemed", 3)
	if !x.Open() {
		t.Fatal("Open with nothing held: got false")
	}
	checkAtMost(t, x, "Open under a limit of 1", 1)
	gen = x.parked.Load() / moveOne
	x.Set(10) // gives the 3 parked slots back, then permits with no slot
	checkAtMost(t, x, "Set(10)", 4)
	if g := x.parked.Load() / moveOne; g <= gen {
		t.Fatalf("generation after giving permits with no slot back: got %d, want above %d", g, gen)
	}
	if got := len(grantAll(l)); got != 10 {
		t.Fatalf("grants under a limit of 10: got %d", got)
	}
	checkAtMost(t, x, "10 held", 10)
}

// Dozens of goroutines grant and redeem on the real clock while the owner
// moves the limit, settles, closes, grants beyond the limit and opens, and
// readers check AtMost against the permits the test knows are held: a
// permit counts from after its grant returned until before its Redeem
// starts, and a read is checked when no release started during it, so
// that at least the count read before it was held throughout.
func TestAtMostNeverBelowHeld(t *testing.T) {
	const workers, readers = 32, 4
	rounds := 500
	if testing.Short() {
		rounds = 200
	}
	x := NewLimit(40)
	l := x.Ledger()
	var (
		held, releases, checked atomic.Int64
		stop                    atomic.Bool
		wg                      sync.WaitGroup
	)
	release := func(tk uint64) {
		held.Add(-1)
		releases.Add(1)
		if !l.Redeem(tk) {
			t.Error("Redeem of a held token: got false")
		}
	}
	for w := range workers {
		wg.Go(func() {
			var mine []uint64
			for i := 0; !stop.Load(); i++ {
				if tk, ok := l.TryGrant(); ok {
					held.Add(1)
					mine = append(mine, tk)
				}
				if len(mine) > (i+w)%3 {
					release(mine[0])
					mine = mine[1:]
				}
				runtime.Gosched()
			}
			for _, tk := range mine {
				release(tk)
			}
		})
	}
	for range readers {
		wg.Go(func() {
			for !stop.Load() {
				r, h := releases.Load(), held.Load()
				a := x.AtMost()
				if releases.Load() != r {
					continue
				}
				checked.Add(1)
				if int64(a) < h {
					t.Errorf("AtMost got %d with at least %d held throughout", a, h)
					return
				}
			}
		})
	}
	for i := range rounds {
		x.Set([]int{12, 40, 3, 25}[i%4])
		x.Settle()
		if i%8 == 7 {
			x.Close()
			tk := x.Grant()
			held.Add(1)
			runtime.Gosched()
			release(tk)
			for !x.Open() {
				runtime.Gosched()
			}
		}
		runtime.Gosched()
	}
	stop.Store(true)
	wg.Wait()
	if checked.Load() == 0 {
		t.Fatal("no read ran without a release: the test checked nothing")
	}
	x.Settle()
	if h := x.Held(); h != 0 || x.AtMost() < 0 {
		t.Fatalf("at the end: Held %d, AtMost %d; want 0, ≥ 0", h, x.AtMost())
	}
	t.Logf("%d reads checked", checked.Load())
}
