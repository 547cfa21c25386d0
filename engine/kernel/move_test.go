package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// deep counts its messages, and handles each in frames that grow its
// goroutine's stack past the 2 KB a goroutine starts with; 13 panics.
type deep struct{ n int }

func (d *deep) Receive(m int) (int, error) {
	if m == 13 {
		panic("thirteen")
	}
	d.n++
	depth += descend(8)
	return d.n, nil
}

var depth int

//go:noinline
func descend(n int) int {
	var pad [256]byte
	pad[n] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return descend(n-1) + int(pad[n])
}

// stackBytes is the stack memory in use after a collection (which may
// shrink stacks, and has the supervisor move its idle actors).
func stackBytes() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.StackInuse)
}

// An actor whose first message grew its goroutine's stack goes on, once
// idle, in a fresh goroutine on the smallest stack after the next garbage
// collection (the runtime would not shrink the grown one while the
// goroutine waits in the loop), with the same behaviour.
func TestUsedIdleActorMovesToTheSmallestStack(t *testing.T) {
	eng := newEngine(t)
	const n = 200
	// A fresh goroutine waits on 2 KB; under -race, whose frames are
	// larger and whose stack guard is twice as large, on 4 KB, and the
	// handling of a message grows it to 8 KB.
	smallest := int64(3 << 10)
	if raceOn {
		smallest = 5 << 10
	}
	before := stackBytes()
	actors := make([]*kernel.Actor[int, int], n)
	for i := range actors {
		actors[i] = spawn(t, eng, fmt.Sprint("deep", i), func() kernel.Behavior[int, int] { return &deep{} })
		if got, err := actors[i].Ask(context.Background(), 0); err != nil || got != 1 {
			t.Fatalf("actor %d: %d, %v; want 1", i, got, err)
		}
	}
	// The first collection asks the actors to move; later ones see the
	// grown stacks gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		per := (stackBytes() - before) / n
		if per <= smallest {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idle actors called once keep %d stack bytes each after collections, want at most %d", per, smallest)
		}
		time.Sleep(time.Millisecond)
	}
	for i, a := range actors {
		if got, err := a.Ask(context.Background(), 0); err != nil || got != 2 {
			t.Fatalf("actor %d after its move: %d, %v; want 2 (its behaviour kept)", i, got, err)
		}
	}
	// A panic after a move restarts the actor with a fresh behaviour.
	var pe *messages.PanicError
	if _, err := actors[0].Ask(context.Background(), 13); !errors.As(err, &pe) {
		t.Fatalf("a panic after a move: %v, want a *messages.PanicError", err)
	}
	if got, err := actors[0].Ask(context.Background(), 0); err != nil || got != 1 {
		t.Fatalf("after the restart: %d, %v; want 1 (a fresh behaviour)", got, err)
	}
}
