package kernel_test

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strconv"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine/kernel"
)

// where answers each message with the id of the goroutine that handles it.
type where struct{}

func (where) Receive(int) (int, error) { return goroutineID(), nil }

func goroutineID() int {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.Atoi(string(b[:bytes.IndexByte(b, ' ')]))
	return id
}

// An actor moves only after a whole sweep interval without a message: one
// that handles work between every two Moves (the supervisor's sweeps after
// garbage collections) keeps its goroutine, so a busy registry does not
// start a goroutine per actor per collection; one idle across two Moves
// goes on in a fresh goroutine.
func TestBusyActorKeepsItsGoroutine(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // only this test's Moves
	eng := newEngine(t)
	a := spawn(t, eng, "busy", func() kernel.Behavior[int, int] { return where{} })
	ask := func() int {
		t.Helper()
		g, err := a.Ask(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	ask() // served in a worker's goroutine, which then hands the actor one of its own
	waitOwnGoroutines(t, a)
	first := ask()
	for i := range 50 {
		a.Move()
		runtime.Gosched()
		if g := ask(); g != first {
			t.Fatalf("round %d: a message between every two Moves, yet the actor moved from goroutine %d to %d", i, first, g)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.Move()
		a.Move()
		time.Sleep(time.Millisecond) // a message first would be work: no move
		if ask() != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("idle across two Moves, the actor kept its goroutine")
		}
	}
}
