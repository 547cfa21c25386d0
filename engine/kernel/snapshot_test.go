package kernel_test

import (
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/engine/kernel"
)

type view struct{ a, b int }

func TestSnapshotReadersSeeWholeViews(t *testing.T) {
	var s kernel.Snapshot[view]
	if s.Load() != nil {
		t.Fatal("zero Snapshot: want nil")
	}
	s.Publish(&view{0, 0})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if v := s.Load(); v.a != v.b {
					t.Errorf("torn view %+v", *v)
					return
				}
			}
		}()
	}
	for i := 1; i <= 10000; i++ {
		s.Publish(&view{i, i})
	}
	close(stop)
	wg.Wait()
	if got := s.Load(); got.a != 10000 {
		t.Fatalf("latest: got %+v", *got)
	}
}
