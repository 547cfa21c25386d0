package backpressure

import (
	"testing"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
)

func TestValve(t *testing.T) {
	g := valve{permits: waitq.NewLedger()}
	g.high.Store(3)
	var held []uint64
	for i, want := range []bool{true, true, false} {
		tok, got := g.take()
		if got != want {
			t.Fatalf("take %d: got %v, want %v (the item that reaches the mark goes to the actor)", i, got, want)
		}
		if got {
			held = append(held, tok)
		}
	}
	if got := g.shut(); got != 2 {
		t.Fatalf("shut: got %d, want the pending count 2", got)
	}
	if _, ok := g.take(); ok {
		t.Fatal("take while closed: got true, want false")
	}
	if !g.permits.Redeem(held[0]) || g.permits.Held() != 1 {
		t.Fatalf("a release while closed: pending got %d, want 1", g.permits.Held())
	}
	g.open()
	if _, ok := g.take(); !ok || g.permits.Held() != 2 {
		t.Fatalf("take after reopening: got pending %d, want 2", g.permits.Held())
	}
}
