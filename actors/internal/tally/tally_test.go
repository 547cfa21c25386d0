package tally

import (
	"sync"
	"testing"

	"go.uber.org/goleak"
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
