package kernel_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// firstAskAllocs is the most heap objects the first Ask of an actor run
// on demand may allocate, for a behaviour that allocates none: the
// channel of its mailbox's first segment and the channel's buffer (the
// segment is in the Actor). The waiting Ask (reply channels pooled, the
// stop signal shared) and the run (the behaviour held in the Actor)
// allocate nothing.
const firstAskAllocs = 2

// The first Ask of an actor run on demand allocates its first mailbox
// segment's channel and nothing else. (Not under -race, whose sync.Pool drops some
// of what it is given.)
func TestFirstAskOnDemandAllocs(t *testing.T) {
	if raceOn {
		t.Skip("counts allocations")
	}
	eng := newEngine(t, engine.WithOnDemandActors())
	const n = 500
	actors := make([]*kernel.Actor[int, int], n)
	for i := range actors {
		actors[i] = spawn(t, eng, fmt.Sprint("a", i), newEcho)
	}
	ctx := context.Background()
	for _, a := range actors[:10] { // the pools and the workers warm
		if _, err := a.Ask(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i, a := range actors[10:] {
		if got, err := a.Ask(ctx, i); err != nil || got != i {
			t.Fatalf("Ask(%d) = %d, %v", i, got, err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := float64(after.Mallocs-before.Mallocs) / float64(n-10); per > firstAskAllocs+0.5 {
		t.Fatalf("a first Ask allocates %.1f objects, want at most %d", per, firstAskAllocs)
	}
}
