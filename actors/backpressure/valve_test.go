package backpressure

import "testing"

func TestValve(t *testing.T) {
	g := newValve(3)
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
	if !g.permits.Redeem(held[0]) || g.limit.Held() != 1 {
		t.Fatalf("a release while closed: pending got %d, want 1", g.limit.Held())
	}
	g.open()
	if _, ok := g.take(); !ok || g.limit.Held() != 2 {
		t.Fatalf("take after reopening: got pending %d, want 2", g.limit.Held())
	}
}
