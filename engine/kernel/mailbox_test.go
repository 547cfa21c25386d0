package kernel

import (
	"testing"
)

// A mailbox holds no buffer until its first message, doubles as it fills
// up to its bound, hands messages out in the order sent across segments,
// and shrinks back once the receiver finds it mostly empty.
func TestMailboxGrowsAndShrinks(t *testing.T) {
	var m mailbox[int]
	m.init(100)
	if got := m.Cap(); got != 0 {
		t.Fatalf("new mailbox: capacity %d, want 0 (no buffer until used)", got)
	}
	sent := 0
	for {
		ok, full := m.trySend(sent)
		if !ok {
			full.users.Add(-1)
			break
		}
		sent++
	}
	// Segments of 4, 8, 16, 32 and 64, then one of the bound, 100: the
	// smaller ones still hold what they took.
	if got, want := m.Cap(), 100; got != want || sent != 4+8+16+32+64+100 {
		t.Fatalf("filled: %d sent, newest segment holds %d; want %d and %d", sent, got, 4+8+16+32+64+100, want)
	}
	if got := m.Len(); got != sent {
		t.Fatalf("Len = %d, want %d", got, sent)
	}
	for i := range sent {
		got, ok := m.tryRecv()
		if !ok || got != i {
			t.Fatalf("tryRecv %d: got %d, %v, want %d, true", i, got, ok, i)
		}
	}
	if _, ok := m.tryRecv(); ok {
		t.Fatal("tryRecv on an empty mailbox: got a message")
	}
	for range quietBatches {
		m.noteQueued(1)
	}
	m.settle()
	if got := m.Cap(); got != InitialMailboxSize {
		t.Fatalf("after a quiet batch: capacity %d, want %d", got, InitialMailboxSize)
	}
	if head := m.head.Load(); head != m.tail.Load() {
		t.Fatal("after settling an empty mailbox the head is not the tail")
	}
}

// After a burst the mailbox keeps its size until quietBatches batches in a
// row found it mostly empty, then shrinks to what they found, not below.
func TestMailboxShrinksToWhatWasQueued(t *testing.T) {
	var m mailbox[int]
	m.init(1 << 12)
	for i := range 1000 {
		m.trySend(i)
	}
	for range 1000 {
		m.tryRecv()
	}
	m.noteQueued(1000)
	m.settle()
	if got := m.Cap(); got != 512 { // 4+8+…+512 ≥ 1000
		t.Fatalf("right after a burst of 1000: capacity %d, want 512 (kept)", got)
	}
	for i := range quietBatches {
		if got := m.Cap(); got != 512 {
			t.Fatalf("after %d quiet batches: capacity %d, want 512 (kept until %d)", i, got, quietBatches)
		}
		m.noteQueued(20 + i)
		m.settle()
	}
	if got, want := m.Cap(), 64; got != want {
		t.Fatalf("after %d batches of at most %d: capacity %d, want %d (room for twice that)", quietBatches, 20+quietBatches-1, got, want)
	}
}

func BenchmarkMailboxSendRecv(b *testing.B) {
	var m mailbox[int]
	m.init(DefaultMailboxSize)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.trySend(i)
		m.tryRecv()
	}
}
