package supervisor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/bulwark-go/bulwark/messages"
)

// A creator that reserved its name before Shutdown began and counts its
// Start once closing is set gives the name back without running Start
// (see create). awaitStarts, whose ctx has not ended, reports every Start
// done however many such creators come and go while it returns: once it
// has seen none under way, any that comes later abandons.
func TestAwaitStartsWithCreatorsAbandoning(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	s.closing.Store(true)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := key{"k", fmt.Sprint(g, "-", i)}
				e, mine := s.ix.reserve(k, hash(k), nil)
				if !mine {
					t.Errorf("reserve(%v): found, want a new entry", k)
					return
				}
				_, err := s.create(e, func() (any, Service, error) {
					return nil, nil, errors.New("Start ran after Shutdown began")
				})
				if !errors.Is(err, messages.ErrStopped) {
					t.Errorf("create(%v) = %v, want ErrStopped", k, err)
					return
				}
			}
		}()
	}
	failed := 0
	for range 20000 {
		if !s.awaitStarts(context.Background()) {
			failed++
		}
	}
	close(stop)
	wg.Wait()
	if failed > 0 {
		t.Fatalf("awaitStarts reported a Start under way %d times in 20000, with none running and ctx live", failed)
	}
}
