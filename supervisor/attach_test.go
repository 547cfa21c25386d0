package supervisor_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// lazy is an OnDemand, Graceful service in the default mode: it keeps the
// wake Attach gives it (the test calls it, as a first message would) and
// counts its Serves; the first panics times panic, the others wait until
// Drain or the end of their context. ServeOnDemand must never be called.
type lazy struct {
	wake       atomic.Pointer[supervisor.Waker]
	serves     atomic.Int32
	onDemand   atomic.Int32
	stopIdle   atomic.Int32
	woken      atomic.Bool
	panics     int32
	drained    chan struct{}
	drainOnce  atomic.Bool
	serveBegun chan struct{}
}

func newLazy(panics int32) *lazy {
	return &lazy{panics: panics, drained: make(chan struct{}), serveBegun: make(chan struct{}, 8)}
}

func (l *lazy) Attach(wake supervisor.Waker) { l.wake.Store(&wake) }

func (l *lazy) StopIfIdle() bool {
	l.stopIdle.Add(1)
	return !l.woken.Load()
}

func (l *lazy) ServeOnDemand(context.Context) error {
	l.onDemand.Add(1)
	return supervisor.ErrIdle
}

func (l *lazy) Serve(ctx context.Context) error {
	n := l.serves.Add(1)
	l.serveBegun <- struct{}{}
	if n <= l.panics {
		panic(fmt.Sprint("serve ", n))
	}
	select {
	case <-l.drained:
	case <-ctx.Done():
	}
	return nil
}

func (l *lazy) Drain() {
	if l.drainOnce.CompareAndSwap(false, true) {
		close(l.drained)
	}
}

func (l *lazy) wakeUp() {
	l.woken.Store(true)
	(*l.wake.Load()).Wake()
}

// TestAttachedChildStartsAtItsFirstWake: without Options.OnDemand a child
// that is OnDemand and Graceful is attached, not served: creating it
// starts no goroutine, its first wake starts Serve (never ServeOnDemand),
// which is restarted after a panic and keeps running; Shutdown stops a
// child never woken with StopIfIdle and drains the others.
func TestAttachedChildStartsAtItsFirstWake(t *testing.T) {
	s := start(t, supervisor.Options{})
	const n = 100
	children := make([]*lazy, n)
	before := goroutinesCreated()
	for i := range children {
		l := newLazy(0)
		if i == 0 {
			l.panics = 2
		}
		children[i] = l
		if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: fmt.Sprint(i),
			Start: func() (any, supervisor.Service, error) { return i, l, nil }}); err != nil {
			t.Fatal(err)
		}
	}
	if got := goroutinesCreated() - before; got >= n/2 { // the runtime may start a few of its own
		t.Fatalf("creating %d attached children started %d goroutines, want none of theirs", n, got)
	}
	for i, l := range children {
		if l.wake.Load() == nil || l.serves.Load() != 0 {
			t.Fatalf("child %d: attached %v, %d Serves before its first wake; want attached, none", i, l.wake.Load() != nil, l.serves.Load())
		}
	}
	if c, ok := s.Lookup("k", "3"); !ok || c.Status != supervisor.Running {
		t.Fatalf("Lookup of an attached child: %+v, %v; want it Running", c, ok)
	}
	woken := children[:n/2]
	for _, l := range woken {
		l.wakeUp()
	}
	for i, l := range woken {
		want := 1
		if i == 0 {
			want = 3 // two panics, two restarts
		}
		for range want {
			select {
			case <-l.serveBegun:
			case <-time.After(hang):
				t.Fatalf("child %d: %d Serves after its wake, want %d", i, l.serves.Load(), want)
			}
		}
	}
	if c, _ := s.Lookup("k", "0"); c.Restarts != 2 || c.Status != supervisor.Running {
		t.Fatalf("the child that panicked twice: %+v, want 2 restarts and Running", c)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, l := range children {
		if got := l.onDemand.Load(); got != 0 {
			t.Fatalf("child %d: ServeOnDemand called %d times in the default mode", i, got)
		}
		if got := l.stopIdle.Load(); got != 1 {
			t.Fatalf("child %d: StopIfIdle called %d times at Shutdown, want 1", i, got)
		}
		if wasWoken := i < n/2; wasWoken != l.drainOnce.Load() {
			t.Fatalf("child %d (woken %v): drained %v; want only the woken ones drained", i, wasWoken, l.drainOnce.Load())
		}
	}
	if _, err := s.GetOrCreate(context.Background(), spec("k", "late")); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("GetOrCreate after Shutdown: %v, want ErrStopped", err)
	}
}
