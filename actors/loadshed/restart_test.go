package loadshed_test

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// panickySignal is a Signal that panics while armed when the shedder's
// actor reads it (a user's Signal is read there after each batch, so this
// is how a bug outside Bulwark can crash the actor); callers, which read it
// too, are spared so that the test decides where the panic happens.
type panickySignal struct{ armed atomic.Bool }

func (p *panickySignal) Level() loadshed.LoadLevel {
	if inActor() && p.armed.CompareAndSwap(true, false) {
		panic("signal bug")
	}
	return loadshed.LevelNormal
}

// inActor reports whether the shedder's actor is the caller.
func inActor() bool {
	pc := make([]uintptr, 16)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, "admit.owner.EndBatch") {
			return true
		}
		if !more {
			return false
		}
	}
}

// A panic in the actor restarts it with its queue and slots as they were:
// the waiter queued before the panic is granted after it, the handle keeps
// working, and actor_restarted is published.
func TestRestartKeepsQueueAndSlots(t *testing.T) {
	sig := &panickySignal{}
	s, eng := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: 2, Signal: sig})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventActorRestarted},
		Patterns: []string{loadshed.Kind}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	acquireN(t, s, 1)
	granted := make(chan error, 1)
	go func() {
		_, err := acquire(s, context.Background())
		granted <- err
	}()
	waitQueued(t, s, 1)

	sig.armed.Store(true)
	stats(t, s) // the batch that answers ends with a look at the signal: panic
	e := <-sub.C()
	if e.Name != "test" {
		t.Fatalf("restart event for %q, want test", e.Name)
	}
	if sig.armed.Load() {
		t.Fatal("the signal was never read")
	}
	if st := stats(t, s); st.InFlight != 1 || st.Waiting != 1 {
		t.Fatalf("after the restart: %+v, want 1 in flight and 1 queued", st)
	}
	releaseN(s, 1)
	if err := <-granted; err != nil {
		t.Fatalf("waiter queued before the restart: %v", err)
	}
	if _, err := acquirePriority(s, context.Background(), messages.Low); err == nil {
		t.Fatal("a second slot of one was granted after the restart")
	}
	releaseN(s, 1)
	if st := stats(t, s); st.InFlight != 0 || st.Waiting != 0 {
		t.Fatalf("at the end: %+v, want nothing in flight or queued", st)
	}
}
