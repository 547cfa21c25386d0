package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// By default an actor gets its goroutine, and its behaviour, at its first
// message, not at its creation; once used it keeps both (its goroutine
// stays while it idles, its state survives), and Shutdown stops the
// actors never sent a message without starting a goroutine for them.
func TestDefaultActorStartsAtItsFirstMessage(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	created := goroutinesCreated()
	var made atomic.Int32
	newB := func() kernel.Behavior[int, int] {
		made.Add(1)
		return &sink{}
	}
	const n = 100
	actors := make([]*kernel.Actor[int, int], n)
	for i := range actors {
		actors[i] = spawn(t, eng, fmt.Sprint("a", i), newB)
	}
	if got := goroutinesCreated() - created; got >= n/2 { // the runtime may start a few of its own
		t.Fatalf("%d new actors: %d goroutines started, want none of theirs before their first message", n, got)
	}
	if got := made.Load(); got != 0 {
		t.Fatalf("%d behaviours made before any message, want 0", got)
	}
	used := actors[:n/2]
	// No collection during the rounds: after one the supervisor moves
	// idle actors to fresh goroutines (see Actor.Move).
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for round := 1; round <= 3; round++ {
		created = goroutinesCreated()
		for i, a := range used {
			if got, err := a.Ask(context.Background(), 1); err != nil || got != round {
				t.Fatalf("round %d, actor %d: got %d, %v; want %d (one behaviour, kept)", round, i, got, err, round)
			}
		}
		waitOwnGoroutines(t, used...)
		// The first round starts a goroutine for each actor; the others
		// find it waiting for the next message: a used actor keeps it.
		switch got := goroutinesCreated() - created; {
		case round == 1 && got < uint64(len(used)):
			t.Fatalf("the first messages of %d actors started %d goroutines, want one each", len(used), got)
		case round > 1 && got >= uint64(len(used)/2):
			t.Fatalf("round %d: %d goroutines started for %d used actors, want none of theirs", round, got, len(used))
		}
	}
	if got := made.Load(); got != int32(len(used)) {
		t.Fatalf("%d behaviours made, want one per used actor (%d)", got, len(used))
	}
	ctx, cancel := context.WithTimeout(context.Background(), enginetest.ShutdownTimeout)
	defer cancel()
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := made.Load(); got != int32(len(used)) {
		t.Fatalf("Shutdown made %d behaviours more: it started actors never sent a message", got-int32(len(used)))
	}
	for i, a := range actors {
		if _, err := a.Ask(context.Background(), 1); !errors.Is(err, engine.ErrStopped) {
			t.Fatalf("actor %d after Shutdown: %v, want ErrStopped", i, err)
		}
	}
}

// goroutinesCreated reads how many goroutines the process has created.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
