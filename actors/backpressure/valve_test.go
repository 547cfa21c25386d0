package backpressure

import "testing"

func TestValve(t *testing.T) {
	var g valve
	g.high.Store(3)
	for i, want := range []bool{true, true, false} {
		if got := g.take(); got != want {
			t.Fatalf("take %d: got %v, want %v (the item that reaches the mark goes to the actor)", i, got, want)
		}
	}
	if got := g.word.Load(); got != 2 {
		t.Fatalf("pending: got %d, want 2", got)
	}
	if got := g.shut(); got != 2 {
		t.Fatalf("shut: got %d, want the frozen count 2", got)
	}
	if g.take() {
		t.Fatal("take while closed: got true, want false")
	}
	if g.give() {
		t.Fatal("give while closed: got true, want false (the release goes to the actor)")
	}
	if got := g.word.Load(); got != closedBit|2 {
		t.Fatalf("word while closed: got %#x, want %#x", got, uint64(closedBit|2))
	}
	g.open(1)
	g.drop(5)
	if got := g.word.Load(); got != 0 {
		t.Fatalf("drop below zero: got %d, want 0", got)
	}
	if !g.give() || g.word.Load() != 0 {
		t.Fatalf("give at zero: got pending %d, want 0 and the release ignored", g.word.Load())
	}
	if !g.take() || g.word.Load() != 1 {
		t.Fatalf("take after reopening: got pending %d, want 1", g.word.Load())
	}
}
