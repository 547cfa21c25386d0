package loadshed

import (
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
)

// seqMask reads waitq's tokens as they are: the grant that makes a slot,
// and it alone, has sequence 1, on the fast path's cells and in the
// segments beyond them, from any P.
func TestSeqMaskFindsMadeSlots(t *testing.T) {
	const n = 1100 // beyond the cells: 16 slots a P, 64 Ps at most
	lim := waitq.NewLimit(n)
	l := lim.Ledger()
	tokens := make([]uint64, n)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += 4 {
				t, ok := l.TryGrant()
				if !ok {
					panic("TryGrant refused below the limit")
				}
				tokens[i] = t
			}
		}()
	}
	wg.Wait()
	for i, tok := range tokens {
		if tok&seqMask != 1 {
			t.Fatalf("grant %d of a fresh ledger: sequence %d, want 1", i, tok&seqMask)
		}
	}
	if got := l.Made(); got != n {
		t.Fatalf("Made: got %d, want %d", got, n)
	}
	for round := 2; round <= 3; round++ {
		for i, tok := range tokens {
			if !l.Redeem(tok) {
				t.Fatalf("Redeem %d failed", i)
			}
		}
		for i := range tokens {
			tok, ok := l.TryGrant()
			if !ok || tok&seqMask != uint64(round) {
				t.Fatalf("round %d, grant %d: got sequence %d (%v), want %d", round, i, tok&seqMask, ok, round)
			}
			tokens[i] = tok
		}
	}
	if got := l.Made(); got != n {
		t.Fatalf("Made after reuse: got %d, want %d", got, n)
	}
}
