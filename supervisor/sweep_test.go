package supervisor

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// sweptChild is an attached Mover that counts its Moves: its Serve
// returns ErrMoved after a Move, nil when its context ends or it is
// drained. It has a goroutine only once woken.
type sweptChild struct {
	w        Waker
	woken    atomic.Bool
	moves    atomic.Int64
	serving  *atomic.Int64 // Serves under way, of every child of a test
	onMove   func()        // if set, called by every Move
	move     chan struct{} // holds a Move not yet acted on
	drained  chan struct{} // closed by the first Drain
	draining atomic.Bool
}

func newSweptChild(serving *atomic.Int64) *sweptChild {
	return &sweptChild{serving: serving, move: make(chan struct{}, 1), drained: make(chan struct{})}
}

func (c *sweptChild) Attach(w Waker)   { c.w = w }
func (c *sweptChild) StopIfIdle() bool { return !c.woken.Load() }

func (c *sweptChild) ServeOnDemand(ctx context.Context) error { return c.Serve(ctx) }

func (c *sweptChild) Serve(ctx context.Context) error {
	c.serving.Add(1)
	defer c.serving.Add(-1)
	select {
	case <-ctx.Done():
		return nil
	case <-c.drained:
		return nil
	case <-c.move:
		return ErrMoved
	}
}

func (c *sweptChild) Drain() {
	if c.draining.CompareAndSwap(false, true) {
		close(c.drained)
	}
}

func (c *sweptChild) Move() {
	c.moves.Add(1)
	if c.onMove != nil {
		c.onMove()
	}
	select {
	case c.move <- struct{}{}:
	default:
	}
}

// wakeUp gives the child its goroutine, as its first message would.
func (c *sweptChild) wakeUp() {
	c.woken.Store(true)
	c.w.Wake()
}

// sweptChildren creates n sweptChildren under s and wakes those woken
// says.
func sweptChildren(t *testing.T, s *Supervisor, n int, serving *atomic.Int64, woken func(i int) bool) []*sweptChild {
	t.Helper()
	cs := make([]*sweptChild, n)
	for i := range cs {
		c := newSweptChild(serving)
		cs[i] = c
		if _, err := s.GetOrCreate(context.Background(), Spec{Kind: "swept", Name: fmt.Sprint(i),
			Start: func() (any, Service, error) { return c, c, nil }}); err != nil {
			t.Fatal(err)
		}
		if woken(i) {
			c.wakeUp()
		}
	}
	return cs
}

// sweepNow runs one sweep in the calling goroutine, as afterGC does in
// its own.
func sweepNow(s *Supervisor) {
	s.sweeps.running.Store(true)
	s.sweep()
}

// A sweep visits the children whose goroutine has started, each once,
// and no other: one never woken is not asked to move, whatever the size
// of the index.
func TestSweepMovesOnlyChildrenThatStarted(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // only this test's sweeps
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var serving atomic.Int64
	const n = 3*sweepChunkSize + 7 // more than a chunk
	woken := func(i int) bool { return i%3 == 0 }
	cs := sweptChildren(t, s, n, &serving, woken)
	for round := 1; round <= 2; round++ {
		sweepNow(s)
		for i, c := range cs {
			want := int64(0)
			if woken(i) {
				want = int64(round)
			}
			if got := c.moves.Load(); got != want {
				t.Fatalf("after %d sweeps, child %d (woken: %v) was asked to move %d times, want %d", round, i, woken(i), got, want)
			}
		}
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A sweep that finds Shutdown begun stops: no child is asked to move once
// Shutdown has begun (its goroutine would start again only to be
// stopped), and a sweep after Shutdown asks none.
func TestSweepStopsOnceShutdownBegins(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var serving atomic.Int64
	cs := sweptChildren(t, s, 2*sweepChunkSize, &serving, func(int) bool { return true })
	shutdown := make(chan error, 1)
	var begun atomic.Bool
	for _, c := range cs {
		c.onMove = func() {
			if begun.CompareAndSwap(false, true) {
				go func() { shutdown <- s.Shutdown(context.Background()) }()
				for !s.closing.Load() {
					runtime.Gosched()
				}
			}
		}
	}
	sweepNow(s)
	if err := <-shutdown; err != nil {
		t.Fatal(err)
	}
	moves := func() (n int64) {
		for _, c := range cs {
			n += c.moves.Load()
		}
		return n
	}
	if got := moves(); got != 1 {
		t.Fatalf("a sweep during Shutdown asked %d children to move, want only the 1 whose Move began it", got)
	}
	sweepNow(s)
	if got := moves(); got != 1 {
		t.Fatalf("a sweep after Shutdown asked %d children to move, want none", got-1)
	}
	if n := serving.Load(); n != 0 {
		t.Fatalf("%d Serves under way after Shutdown, want 0", n)
	}
}

// Sweeps after real collections, while children are created, woken,
// moved and stopped by Shutdown: Shutdown returns nil with every Serve
// ended, and the race detector sees no conflict between a sweep and the
// index being cleared or children registering.
func TestSweepsDuringShutdown(t *testing.T) {
	for round := range 20 {
		s, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		stop, gcDone := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(gcDone)
			for {
				select {
				case <-stop:
					return
				default:
					runtime.GC()
				}
			}
		}()
		var serving atomic.Int64
		sweptChildren(t, s, 300, &serving, func(i int) bool { return i%2 == 0 })
		err = s.Shutdown(context.Background())
		close(stop)
		<-gcDone
		if err != nil {
			t.Fatalf("round %d: Shutdown: %v", round, err)
		}
		if n := serving.Load(); n != 0 {
			t.Fatalf("round %d: %d Serves under way after Shutdown, want 0", round, n)
		}
	}
}

// claimedChild is a sweptChild that is a Claimer: served on demand (its
// ServeOnDemand parks at once) until its first Claim, then by Serve.
type claimedChild struct {
	*sweptChild
	idled   chan struct{} // a token per ServeOnDemand that parked
	claimed atomic.Bool
	served  chan struct{} // a token per Serve begun
}

func (c *claimedChild) ServeOnDemand(context.Context) error {
	c.idled <- struct{}{}
	return ErrIdle
}

func (c *claimedChild) Claim() bool { return c.claimed.CompareAndSwap(false, true) }

func (c *claimedChild) Serve(ctx context.Context) error {
	c.served <- struct{}{}
	return c.sweptChild.Serve(ctx)
}

// A child served by default that is woken several times before it is
// claimed (see Claimer) is registered for the sweeps once, when it gets
// its own goroutine: a sweep asks it to move once.
func TestSweepRegistersAClaimedChildOnce(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var serving atomic.Int64
	c := &claimedChild{sweptChild: newSweptChild(&serving), idled: make(chan struct{}, 1), served: make(chan struct{}, 1)}
	if _, err := s.GetOrCreate(context.Background(), Spec{Kind: "swept", Name: "claimed",
		Start: func() (any, Service, error) { return c, c, nil }}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.w.Wake()
		<-c.idled
	}
	<-c.served
	sweepNow(s)
	if got := c.moves.Load(); got != 1 {
		t.Fatalf("a child woken 3 times before its claim was asked to move %d times by one sweep, want 1", got)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
