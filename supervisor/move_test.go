package supervisor_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/supervisor"
)

// mover is a lazy child that is a Mover: its first Serve returns
// ErrMoved once Move has been called, the next ones serve as lazy's do.
type mover struct {
	*lazy
	moved chan struct{} // closed by the first Move
	once  chan struct{} // holds a token until the first Move
}

func (m *mover) Move() {
	select {
	case <-m.once:
		close(m.moved)
	default:
	}
}

func (m *mover) Serve(ctx context.Context) error {
	if m.serves.Load() == 0 {
		m.serves.Add(1)
		m.serveBegun <- struct{}{}
		select {
		case <-m.moved:
			return supervisor.ErrMoved
		case <-ctx.Done():
			return nil
		}
	}
	return m.lazy.Serve(ctx)
}

// A running attached child that is a Mover is asked to move after a
// garbage collection; its Serve returning ErrMoved has it served again in
// a new goroutine, neither restarted nor stopped.
func TestMoverServedAgainAfterErrMoved(t *testing.T) {
	s := start(t, supervisor.Options{})
	m := &mover{lazy: newLazy(0), moved: make(chan struct{}), once: make(chan struct{}, 1)}
	m.once <- struct{}{}
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "m",
		Start: func() (any, supervisor.Service, error) { return 1, m, nil }}); err != nil {
		t.Fatal(err)
	}
	m.wakeUp()
	<-m.serveBegun
	deadline := time.Now().Add(hang)
	for len(m.once) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("no Move after garbage collections")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	select {
	case <-m.serveBegun:
	case <-time.After(hang):
		t.Fatalf("%d Serves after ErrMoved, want 2", m.serves.Load())
	}
	if c, _ := s.Lookup("k", "m"); c.Restarts != 0 || c.Status != supervisor.Running {
		t.Fatalf("a child that moved: %+v, want no restart and Running", c)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !m.drainOnce.Load() {
		t.Fatal("the moved child was not drained at Shutdown")
	}
}
