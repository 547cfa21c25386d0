package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/supervisor"
)

// TestFailedStartsUnderConcurrentCreators: dozens of goroutines create
// thousands of names while the index's shards fill, are replaced and
// double under them, and the first Start of every third name fails (its
// entry is removed as others are inserted and copied beside it). Each
// such name is free again at once: asking again creates it. At the end
// every name has one child, whose successful Start ran once, Lookup finds
// it, and List holds each name once.
func TestFailedStartsUnderConcurrentCreators(t *testing.T) {
	s := newSupervisor(t)
	n := 6000
	if testing.Short() {
		n = 2000
	}
	const writers = 32
	var tries, starts sync.Map // name → *atomic.Int32
	count := func(m *sync.Map, name string) int32 {
		c, _ := m.LoadOrStore(name, new(atomic.Int32))
		return c.(*atomic.Int32).Add(1)
	}
	mk := func(i int, name string) supervisor.Spec {
		return supervisor.Spec{Kind: "k", Name: name, Start: func() (any, supervisor.Service, error) {
			if i%3 == 0 && count(&tries, name) == 1 {
				return nil, nil, errFailedStart
			}
			count(&starts, name)
			return name, idle{}, nil
		}}
	}
	var wg sync.WaitGroup
	for w := range writers {
		// Writers w and w+writers/2 ask for the same names.
		wg.Go(func() {
			for i := w % (writers / 2); i < n; i += writers / 2 {
				if err := createOnce(s, mk, i); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	names := make([]string, 0, n)
	for _, c := range s.List() {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if got := len(slices.Compact(names)); got != n || len(names) != n {
		t.Fatalf("List: %d children, %d distinct names, want %d of each", len(names), got, n)
	}
	for i := range n {
		name := fmt.Sprint("c", i)
		if c, ok := starts.Load(name); !ok || c.(*atomic.Int32).Load() != 1 {
			t.Errorf("%s: its successful Start ran %v times, want once", name, c)
		}
	}
}

// createOnce gets or creates name i with mk, asking once more if its
// Start failed, and checks that Lookup finds it then.
func createOnce(s *supervisor.Supervisor, mk func(int, string) supervisor.Spec, i int) error {
	name := fmt.Sprint("c", i)
	h, err := s.GetOrCreate(context.Background(), mk(i, name))
	if errors.Is(err, errFailedStart) {
		h, err = s.GetOrCreate(context.Background(), mk(i, name))
	}
	if err != nil || h != name {
		return fmt.Errorf("GetOrCreate(%s) = %v, %v", name, h, err)
	}
	if c, ok := s.Lookup("k", name); !ok || c.Handle != name {
		return fmt.Errorf("Lookup(%s) = %+v, %v after GetOrCreate", name, c, ok)
	}
	return nil
}

var errFailedStart = errors.New("start failed")
