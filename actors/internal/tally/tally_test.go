package tally

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// 100 goroutines × 1,000 adds to two counters: the sums are exact, and the
// counters are independent.
func TestConcurrentSumsExact(t *testing.T) {
	s := New()
	var wg sync.WaitGroup
	for g := 0; g < 100; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				l := s.Pick()
				l.Add(0, 1)
				l.Add(3, 2)
				s.Put(l)
			}
		}()
	}
	wg.Wait()
	sums := s.Sums()
	if sums[0] != 100_000 || sums[3] != 200_000 || s.Sum(0) != 100_000 {
		t.Fatalf("sums: got %v, want counter 0 = 100000 and counter 3 = 200000", sums)
	}
	for i, n := range sums {
		if i != 0 && i != 3 && n != 0 {
			t.Fatalf("counter %d: got %d, want 0 (never added to)", i, n)
		}
	}
}

// Size is a power of two (or least), at least least, at most MaxCells,
// and grows with perP.
func TestSize(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, c := range []struct{ perP, least int }{{1, 1}, {2, 2}, {4, 8}, {64, 8}, {1000, 1}, {0, 1}} {
		n := Size(c.perP, c.least)
		if n < c.least || n > max(c.least, MaxCells) || (n != c.least && n&(n-1) != 0) ||
			(n < c.perP*procs && n < MaxCells && n != c.least) {
			t.Errorf("Size(%d, %d) with %d Ps: got %d", c.perP, c.least, procs, n)
		}
	}
	if size := unsafe.Sizeof(Line{}); size != CellSize {
		t.Fatalf("a Line is %d bytes, want %d", size, CellSize)
	}
}

// Get hands out cells of the Stripes, At wraps around them.
func TestStripesPick(t *testing.T) {
	var s Stripes[Line]
	prepared := 0
	s.Init(4, 8, func(cells []Line) { prepared += len(cells) })
	if s.Cells() != nil || prepared != 0 {
		t.Fatal("cells allocated before first use")
	}
	cells := s.Ensure()
	if len(cells) != s.Len() || prepared != s.Len() || &s.Cells()[0] != &cells[0] {
		t.Fatalf("Ensure: got %d cells, %d prepared, want %d of them once", len(cells), prepared, s.Len())
	}
	within := func(l *Line) bool {
		for i := range cells {
			if l == &cells[i] {
				return true
			}
		}
		return false
	}
	for i := 0; i < 3*len(cells); i++ {
		l := s.Get()
		if !within(l) {
			t.Fatal("Get returned a cell that is not the Stripes'")
		}
		s.Put(l)
		if got, want := s.At(uint32(i)), &cells[i%len(cells)]; got != want {
			t.Fatalf("At(%d) is not cell %d", i, i%len(cells))
		}
	}
}

func TestResetZeroes(t *testing.T) {
	s := New()
	s.Add(1, 5)
	s.Reset()
	if got := s.Sums(); got != [Max]uint64{} {
		t.Fatalf("after Reset: got %v, want all zero", got)
	}
	s.Add(1, 2)
	if got := s.Sum(1); got != 2 {
		t.Fatalf("an Add after Reset: got %d, want 2", got)
	}
}

func BenchmarkAdd(b *testing.B) {
	s := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Add(0, 1)
		}
	})
}

// Proc is the index of a P: below GOMAXPROCS, and the same for every
// goroutine when there is one P.
func TestProc(t *testing.T) {
	if p, n := Proc(), runtime.GOMAXPROCS(0); p >= uint32(n) {
		t.Fatalf("Proc: got %d, want below GOMAXPROCS %d", p, n)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	done := make(chan uint32)
	go func() { done <- Proc() }()
	if p, q := Proc(), <-done; p != 0 || q != 0 {
		t.Fatalf("Proc with one P: got %d and %d from another goroutine, want 0", p, q)
	}
}

// Err is nil while the engine runs, ErrStopped once it has stopped.
func TestErr(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := Err(eng); err != nil {
		t.Fatalf("running: got %v, want nil", err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := Err(eng); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("stopped: got %v, want ErrStopped", err)
	}
}
