package waitq

import (
	"testing"

	"go.uber.org/goleak"
)

func TestOrderRemoveAndPopBack(t *testing.T) {
	var f FIFO
	for i := uint64(1); i <= 5; i++ {
		f.Push(i)
	}
	if !f.Remove(3) || f.Remove(3) || f.Remove(42) {
		t.Fatal("Remove: want true once for a queued id, false otherwise")
	}
	if got := f.PopBack(); got != 5 {
		t.Fatalf("PopBack: got %d, want 5", got)
	}
	var got []uint64
	for f.Len() > 0 {
		got = append(got, f.Pop())
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 4 {
		t.Fatalf("Pop order: got %v, want [1 2 4]", got)
	}
}

func TestCompactsALongLivedQueue(t *testing.T) {
	var f FIFO
	for i := uint64(0); i < 100; i++ {
		f.Push(i)
	}
	for i := uint64(0); i < 100_000; i++ {
		f.Push(100 + i)
		if got := f.Pop(); got != i {
			t.Fatalf("pop %d: got %d", i, got)
		}
	}
	if f.Len() != 100 || cap(f.ids) > 512 {
		t.Fatalf("len %d cap %d: want 100 and a compacted slice", f.Len(), cap(f.ids))
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
