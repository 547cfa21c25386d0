package waitq

import (
	"runtime"
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

// TestLedgerRefusesForgedTokensOfFreeSlots: a token made up for a free
// slot — with its last sequence or the next one — is misuse whatever the
// slot's place on the free stack, so the pool never holds more free permits
// than its limit.
func TestLedgerRefusesForgedTokensOfFreeSlots(t *testing.T) {
	l := NewLimitedLedger(2)
	a, _ := l.TryGrant()
	b, _ := l.TryGrant()
	l.Redeem(a)
	l.Redeem(b) // the stack: b's slot on top of a's
	for seq := range uint64(4) {
		forged := a&^seqMask | seq
		if l.Redeem(forged) {
			t.Errorf("a forged token of a's free slot, sequence %d: Redeem got true, want false", seq)
		}
	}
	if got := l.Held(); got != 0 {
		t.Fatalf("Held: got %d, want 0", got)
	}
	for i := range 2 {
		if _, ok := l.TryGrant(); !ok {
			t.Fatalf("TryGrant #%d at limit 2: refused", i+1)
		}
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("a third TryGrant at limit 2: granted, want refused")
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
	if got := uint32(l.Made()); got != 1 {
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
	if got := uint32(l.Made()); got > workers {
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

// TestLimitParksSlotsWithTheirSequences: a slot parked by a lower Limit and
// given back by a higher one (or traded for a permit not made) keeps its
// sequence, so Granted does not move back and a token redeemed before the
// slot was parked stays refused after it is granted again.
func TestLimitParksSlotsWithTheirSequences(t *testing.T) {
	x := NewLimit(2)
	l := x.Ledger()
	old := grantAll(l)
	for _, tok := range old {
		l.Redeem(tok)
	}
	x.Set(1) // parks the slot on top of the free stack
	x.Set(2) // gives it back
	if got := l.Granted(); got != 2 {
		t.Fatalf("Granted after a park and an unpark: got %d, want 2", got)
	}
	again := grantAll(l)
	for _, tok := range old {
		if l.Redeem(tok) {
			t.Fatalf("a token redeemed before its slot was parked (%#x): Redeem got true after the slot was granted again", tok)
		}
	}
	for _, tok := range again {
		if !l.Redeem(tok) {
			t.Fatalf("a token of a slot granted after the unpark (%#x): Redeem got false", tok)
		}
	}
	if got := l.Granted(); got != 4 {
		t.Fatalf("Granted: got %d, want 4", got)
	}
}

func TestLedgerClosedGrantsOnlyThroughGrant(t *testing.T) {
	l := NewLimitedLedger(4)
	a, _ := l.TryGrant()
	if l.shut(); l.Held() != 1 || !l.Closed() {
		t.Fatalf("shut: got %d held (closed %v), want 1, closed", l.Held(), l.Closed())
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("TryGrant while closed: granted")
	}
	b := l.Grant()
	if !l.Redeem(a) || l.Held() != 1 {
		t.Fatalf("Redeem while closed: Held got %d, want 1", l.Held())
	}
	l.reopen()
	if _, ok := l.TryGrant(); !ok || l.Closed() {
		t.Fatal("TryGrant after reopen: refused")
	}
	if !l.Redeem(b) {
		t.Fatal("Redeem of Grant's token: got false")
	}
}

// TestLimitClosedGrantsBeyondAndOpenParksAgain: a closed Limit grants
// only through its owner's Grant, beyond the limit if need be; Open stays
// closed while more than the limit is held and, once it opens, the pool
// again holds the limit and no more.
func TestLimitClosedGrantsBeyondAndOpenParksAgain(t *testing.T) {
	x := NewLimit(2)
	l := x.Ledger()
	a, _ := l.TryGrant()
	if _, ok := l.TryGrant(); !ok {
		t.Fatal("TryGrant #2 at limit 2: refused")
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("TryGrant #3 at limit 2: granted")
	}
	if held := x.Close(); held != 2 {
		t.Fatalf("Close: got %d held, want 2", held)
	}
	if !l.Redeem(a) {
		t.Fatal("Redeem while closed: got false")
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("TryGrant while closed with a permit free: granted")
	}
	b, c := x.Grant(), x.Grant() // the free one, then one beyond the limit
	if got := x.Held(); got != 3 {
		t.Fatalf("Held after two Grants beyond: got %d, want 3", got)
	}
	if x.Open() || !l.Closed() {
		t.Fatal("Open with 3 held at limit 2: opened")
	}
	l.Redeem(b)
	l.Redeem(c)
	if !x.Open() || l.Closed() {
		t.Fatal("Open with 1 held at limit 2: stayed closed")
	}
	if _, ok := l.TryGrant(); !ok {
		t.Fatal("TryGrant with 1 held at limit 2: refused")
	}
	if _, ok := l.TryGrant(); ok {
		t.Fatal("TryGrant with 2 held at limit 2 after a Grant beyond: granted (Open did not park it again)")
	}
}

func TestLimitOfZeroGrantsOnlyThroughGrant(t *testing.T) {
	x := NewLimit(0)
	if _, ok := x.Ledger().TryGrant(); ok {
		t.Fatal("TryGrant at limit 0: granted")
	}
	tok := x.Grant()
	if x.Held() != 1 || !x.Ledger().Redeem(tok) || x.Held() != 0 {
		t.Fatalf("Grant and Redeem at limit 0: Held %d after, want 0", x.Held())
	}
}

// TestLimitCloseIsExact races 48 goroutines that take permits under a
// Limit and give them back against an owner that closes it, checks that
// Close counted every permit held (nobody takes one while it is closed,
// so the count only falls), grants beyond the limit with Grant, gives
// them back and reopens, on the real clock: the callers never hold more
// than the limit, whatever the owner granted beyond it before, and the
// pool holds the limit at the end.
func TestLimitCloseIsExact(t *testing.T) {
	const workers, rounds, mark = 48, 1000, 5
	x := NewLimit(mark)
	l := x.Ledger()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var inUse, peak, epoch, sneaked atomic.Int64 // epoch: odd while closed
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				e := epoch.Load()
				if tok, ok := l.TryGrant(); ok {
					if e%2 == 1 && epoch.Load() == e {
						sneaked.Add(1) // closed from before the call to after it
					}
					raise(&peak, inUse.Add(1))
					inUse.Add(-1)
					l.Redeem(tok)
				}
				runtime.Gosched() // the owner runs among 48 spinning callers
			}
		})
	}
	for range rounds {
		held := x.Close()
		epoch.Add(1)
		var mine []uint64
		for range mark + 1 {
			mine = append(mine, x.Grant())
		}
		if now := inUse.Load(); now > int64(held) {
			t.Errorf("callers hold %d while closed, Close said %d", now, held)
		}
		if now := x.Held(); now > held+mark+1 {
			t.Errorf("Held while closed: got %d, Close said %d (and the owner holds %d)", now, held, mark+1)
		}
		runtime.Gosched() // callers try while it is closed
		for _, tok := range mine {
			l.Redeem(tok)
		}
		epoch.Add(1)
		for !x.Open() {
			runtime.Gosched()
		}
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > mark {
		t.Errorf("callers held %d at once, want at most %d", p, mark)
	}
	if n := sneaked.Load(); n > 0 {
		t.Errorf("TryGrant granted %d times while the ledger was closed", n)
	}
	if x.Held() != 0 || l.Misused() != 0 {
		t.Errorf("Held, Misused: got %d, %d, want 0, 0", x.Held(), l.Misused())
	}
	if got := len(grantAll(l)); got != mark {
		t.Errorf("TryGrants at the end: got %d, want %d (the limit)", got, mark)
	}
}

// TestLedgerGrantWaitsOnlyForHolders: 10,000 goroutines share 8 permits of
// a ledger through Grant, on the real clock, while the runtime
// preempts them where it likes: every Grant returns, no more than 8 are
// held at once, and nothing is lost.
func TestLedgerGrantWaitsOnlyForHolders(t *testing.T) {
	const limit, workers, per = 8, 10000, 5
	l := NewLimitedLedger(limit)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range per {
				tk := l.Grant()
				raise(&peak, held.Add(1))
				held.Add(-1)
				if !l.Redeem(tk) {
					t.Error("Redeem of a granted token: got false")
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Fatalf("held at once: got %d, want at most %d", p, limit)
	}
	if got, want := l.Granted(), uint64(workers*per); got != want || l.Held() != 0 || l.Misused() != 0 {
		t.Fatalf("Granted, Held, Misused: got %d, %d, %d, want %d, 0, 0", got, l.Held(), l.Misused(), want)
	}
	if got := l.Made(); got > limit {
		t.Fatalf("Made: got %d, want at most %d", got, limit)
	}
}
