package waitq

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestLedgerRefusesMisuse(t *testing.T) {
	l, other := NewLedger(), NewLedger()
	a, b := l.Grant(), l.Grant()
	foreign := other.Grant()
	for _, tc := range []struct {
		name  string
		token uint64
		want  bool
	}{
		{"first redeem", a, true},
		{"second redeem of the same token", a, false},
		{"zero token", 0, false},
		{"token of another ledger", foreign, false},
		{"index never granted", a&^(indexMask<<seqBits) | 5000<<seqBits, false},
		{"wrong sequence", b ^ 1, false},
		{"other token still held", b, true},
	} {
		if got := l.Redeem(tc.token); got != tc.want {
			t.Errorf("%s: Redeem got %v, want %v", tc.name, got, tc.want)
		}
	}
	if got, want := l.Misused(), uint64(5); got != want {
		t.Errorf("Misused: got %d, want %d", got, want)
	}
	if got := l.Held(); got != 0 {
		t.Errorf("Held: got %d, want 0", got)
	}
	if !other.Redeem(foreign) {
		t.Error("the other ledger's own token: Redeem got false, want true")
	}
}

func TestLedgerReusesSlotsWithANewSequence(t *testing.T) {
	l := NewLedger()
	old := l.Grant()
	l.Redeem(old)
	again := l.Grant()
	if again == old {
		t.Fatalf("the reused slot's token: got %#x, want a new sequence", again)
	}
	if l.Redeem(old) {
		t.Fatal("a stale token of a reused slot: Redeem got true, want false")
	}
	if !l.Redeem(again) {
		t.Fatal("the current token: Redeem got false, want true")
	}
	if got := l.fresh.Load(); got != 1 {
		t.Fatalf("slots made: got %d, want 1 (reused)", got)
	}
}

func TestLedgerGrowsAcrossSegments(t *testing.T) {
	l := NewLedger()
	const n = 5000
	toks := make([]uint64, n)
	seen := map[uint64]bool{}
	for i := range toks {
		toks[i] = l.Grant()
		if seen[toks[i]] {
			t.Fatalf("grant %d: token %#x issued twice", i, toks[i])
		}
		seen[toks[i]] = true
	}
	if got := l.Held(); got != n {
		t.Fatalf("Held: got %d, want %d", got, n)
	}
	for i, tok := range toks {
		if !l.Redeem(tok) {
			t.Fatalf("redeem %d: got false", i)
		}
	}
	if got := l.Held(); got != 0 {
		t.Fatalf("Held after redeeming all: got %d, want 0", got)
	}
}

func TestLocate(t *testing.T) {
	for _, tc := range []struct {
		i        uint32
		seg, off int
	}{{0, 0, 0}, {7, 0, 7}, {8, 1, 0}, {23, 1, 15}, {24, 2, 0}, {MaxPermits - 1, nSegs - 1, MaxPermits - 1 - (1<<(nSegs-1+baseBits) - 1<<baseBits)}} {
		seg, off := locate(tc.i)
		if seg != tc.seg || off != tc.off {
			t.Errorf("locate(%d): got %d,%d, want %d,%d", tc.i, seg, off, tc.seg, tc.off)
		}
	}
}

// TestLedgerConcurrentMisuse races holders that redeem their own tokens
// against goroutines that redeem every token twice: each token is taken
// back exactly once.
func TestLedgerConcurrentMisuse(t *testing.T) {
	l := NewLedger()
	const workers, per = 8, 2000
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				tok := l.Grant()
				var inner sync.WaitGroup
				for range 2 {
					inner.Add(1)
					go func() {
						defer inner.Done()
						if l.Redeem(tok) {
							ok.Add(1)
						} else {
							refused.Add(1)
						}
					}()
				}
				inner.Wait()
			}
		}()
	}
	wg.Wait()
	if got, want := ok.Load(), int64(workers*per); got != want {
		t.Errorf("redeemed: got %d, want %d", got, want)
	}
	if got, want := refused.Load(), int64(workers*per); got != want || l.Misused() != uint64(want) {
		t.Errorf("refused: got %d (Misused %d), want %d", got, l.Misused(), want)
	}
	if got := l.Held(); got != 0 {
		t.Errorf("Held: got %d, want 0", got)
	}
	if got := l.fresh.Load(); got > workers {
		t.Errorf("slots made: got %d, want at most %d", got, workers)
	}
}

func TestLimitedLedgerGrantsUpToItsLimit(t *testing.T) {
	l := NewLimitedLedger(3)
	var toks []uint64
	for i := range 3 {
		tok, ok := l.TryGrant()
		if !ok {
			t.Fatalf("TryGrant #%d at limit 3: refused", i+1)
		}
		toks = append(toks, tok)
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("a fourth TryGrant at limit 3: granted, want refused")
	}
	if got := l.Held(); got != 3 {
		t.Fatalf("Held: got %d, want 3", got)
	}
	if l.Redeem(toks[0]) != true || l.Redeem(toks[0]) != false {
		t.Fatal("Redeem: want true once, then false")
	}
	if _, ok := l.TryGrant(); !ok {
		t.Fatal("TryGrant after a Redeem: refused")
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("TryGrant with 3 held again: granted, want refused")
	}
	if got, want := [3]uint64{uint64(l.Held()), uint64(l.Made()), l.Granted()}, [3]uint64{3, 3, 4}; got != want {
		t.Fatalf("Held, Made, Granted: got %v, want %v", got, want)
	}
}

// TestLimitedLedgerNeverExceedsItsLimit races dozens of goroutines that
// take, hold and give back permits (and redeem each twice) on the real
// clock: no more than the limit are ever held, every count adds up, and
// the slots made are the peak.
func TestLimitedLedgerNeverExceedsItsLimit(t *testing.T) {
	const limit, workers, per = 5, 48, 2000
	l := NewLimitedLedger(limit)
	var held, peak, granted atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range per {
				if tok, ok := l.TryGrant(); ok {
					granted.Add(1)
					raise(&peak, held.Add(1))
					held.Add(-1)
					l.Redeem(tok)
					l.Redeem(tok)
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Fatalf("held at once: got %d, want at most %d", p, limit)
	}
	if got := l.Held(); got != 0 {
		t.Fatalf("Held: got %d, want 0", got)
	}
	if got, want := l.Granted(), uint64(granted.Load()); got != want || l.Misused() != want {
		t.Fatalf("Granted, Misused: got %d, %d, want %d, %d", got, l.Misused(), want, want)
	}
	if got := l.Made(); got > limit || got < 1 {
		t.Fatalf("Made: got %d, want 1..%d", got, limit)
	}
}

// raise makes a at least n.
func raise(a *atomic.Int64, n int64) {
	for p := a.Load(); n > p && !a.CompareAndSwap(p, n); p = a.Load() {
	}
}
