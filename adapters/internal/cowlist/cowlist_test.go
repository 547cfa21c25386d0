package cowlist

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// Adds that race each add once: every admitted value is in the list once,
// and a refused or skipped one is not.
func TestRacingAdds(t *testing.T) {
	var l List[int]
	errFull := errors.New("full")
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for i := range 100 {
				v := g*100 + i
				_ = l.Add(v, func(items []int) (bool, error) {
					switch {
					case v%10 == 9:
						return false, errFull
					case v%10 == 8 || slices.Contains(items, v):
						return false, nil
					}
					return true, nil
				})
				_ = l.Load()
			}
		})
	}
	wg.Wait()
	got := slices.Clone(l.Load())
	slices.Sort(got)
	var want []int
	for v := range 3200 {
		if v%10 < 8 {
			want = append(want, v)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d items, want %d (each admitted value once)", len(got), len(want))
	}
}

// An Add refused with an error returns it and leaves the list as it was.
func TestAddRefused(t *testing.T) {
	var l List[string]
	if l.Load() != nil {
		t.Fatalf("zero List: got %v, want nil", l.Load())
	}
	errNo := errors.New("no")
	if err := l.Add("a", func([]string) (bool, error) { return true, nil }); err != nil {
		t.Fatal(err)
	}
	if err := l.Add("b", func([]string) (bool, error) { return false, errNo }); err != errNo {
		t.Fatalf("got %v, want %v", err, errNo)
	}
	if got := l.Load(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("got %v, want [a]", got)
	}
}
