package supervisor

import (
	"strings"
	"sync"
	"testing"
)

// counterState is state a child owns and writes while it runs: a config
// may point to it (a sampler's reader, say).
type counterState struct{ n int }

type pointingConfig struct {
	Limit int
	State *counterState
	Any   any
}

// TestDifferencesDoNotReadThroughPointers asks for a name with a config
// whose pointers differ from the running child's while the child writes
// what its pointers point to: the ConflictError names the fields, and
// building it reads the pointers only, never what they point to (under
// -race, a read of the pointee is a data race with the writer).
func TestDifferencesDoNotReadThroughPointers(t *testing.T) {
	have := pointingConfig{Limit: 1, State: &counterState{}, Any: &counterState{}}
	asked := pointingConfig{Limit: 1, State: &counterState{}, Any: &counterState{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the running child
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				have.State.n++
				have.Any.(*counterState).n++
			}
		}
	}()
	var diff []string
	for range 100 {
		diff = differences(have, asked)
	}
	close(stop)
	wg.Wait()
	if len(diff) != 2 || !strings.HasPrefix(diff[0], "State: ") || !strings.HasPrefix(diff[1], "Any: ") {
		t.Fatalf("differences = %q, want the State and Any fields", diff)
	}
	for _, d := range diff {
		if strings.Contains(d, "{") {
			t.Errorf("%q shows what a pointer points to, want the pointer", d)
		}
	}
}
