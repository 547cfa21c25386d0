package kernel_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// spawnSized starts an actor with a mailbox bounded by size under eng.
func spawnSized[M, R any](t testing.TB, eng *engine.Engine, name string, size int, newB func() kernel.Behavior[M, R]) *kernel.Actor[M, R] {
	t.Helper()
	a, err := kernel.Spawn(context.Background(), eng, "test", name, nil,
		func() (*kernel.Actor[M, R], kernel.Service, error) {
			a := kernel.NewActor(size, newB)
			return a, a, nil
		})
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	return a
}

// seqMsg is message seq of sender from, or (from < 0) an Ask for the
// checker's verdict.
type seqMsg struct{ from, seq int }

// seqChecker checks that each sender's messages arrive in the order sent
// and counts them; an Ask answers how many arrived, or -1 after a message
// out of order.
type seqChecker struct {
	next  map[int]int
	total int
	bad   bool
}

func (c *seqChecker) Receive(m seqMsg) (int, error) {
	if m.from >= 0 {
		if c.next[m.from] != m.seq {
			c.bad = true
		}
		c.next[m.from] = m.seq + 1
		c.total++
		return 0, nil
	}
	if c.bad {
		return -1, nil
	}
	return c.total, nil
}

// spawnCheckers starts n seqChecker actors under eng, named prefix and
// their index, with mailboxes bound at size.
func spawnCheckers(t *testing.T, eng *engine.Engine, prefix string, n, size int) []*kernel.Actor[seqMsg, int] {
	t.Helper()
	as := make([]*kernel.Actor[seqMsg, int], n)
	for i := range as {
		as[i] = spawnSized(t, eng, fmt.Sprint(prefix, i), size, func() kernel.Behavior[seqMsg, int] {
			return &seqChecker{next: map[int]int{}}
		})
	}
	return as
}

// sendAll runs send(g) in each of senders goroutines, started together
// once all exist, and fails with the first error one returns.
func sendAll(t *testing.T, senders int, send func(g int) error) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := send(g); err != nil {
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// wantInOrder fails unless each seqChecker of as got want messages, each
// sender's in order.
func wantInOrder(t *testing.T, as []*kernel.Actor[seqMsg, int], want int) {
	t.Helper()
	for i, a := range as {
		if got, err := a.Ask(context.Background(), seqMsg{-1, 0}); err != nil || got != want {
			t.Fatalf("actor %d: got %d, %v; want %d messages in order (-1 means out of order)", i, got, err, want)
		}
	}
}

// Dozens of goroutines on the real clock Tell and Ask one actor in bursts
// far above the initial mailbox (and, for the small bound, far above the
// bound, so senders wait for room): every message arrives once, each
// sender's in order, and every Ask gets its own answer.
func TestMailboxKeepsEachSendersOrderUnderBursts(t *testing.T) {
	for _, bound := range []int{1, 5, 64, kernel.DefaultMailboxSize} {
		eng := newEngine(t)
		a := spawnSized(t, eng, "order", bound, func() kernel.Behavior[seqMsg, int] {
			return &seqChecker{next: map[int]int{}}
		})
		senders, per := 48, 2000
		if testing.Short() {
			per = 300
		}
		sendAll(t, senders, func(g int) error {
			for i := range per {
				var err error
				if i%50 == 49 {
					var got int
					got, err = a.Ask(context.Background(), seqMsg{g, i})
					if err == nil && got != 0 {
						err = errors.New("an Ask got another message's reply")
					}
				} else {
					err = a.Tell(seqMsg{g, i})
				}
				if err != nil {
					return fmt.Errorf("bound %d: %w", bound, err)
				}
			}
			return nil
		})
		got, err := a.Ask(context.Background(), seqMsg{-1, 0})
		if err != nil || got != senders*per {
			t.Fatalf("bound %d: got %d, %v; want %d messages in order (-1 means out of order)", bound, got, err, senders*per)
		}
		if n := a.Len(); n != 0 {
			t.Fatalf("bound %d: %d messages left after the final Ask", bound, n)
		}
	}
}

// At its bound the mailbox is full: TryTell fails, Tell and Ask wait for
// room, an Ask whose ctx ends gives up, and Shutdown with a deadline
// returns, failing the waiting senders with ErrStopped.
func TestMailboxFullAtItsBound(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	g := &gated{entered: make(chan struct{}, 1), gate: make(chan struct{})}
	a := spawnSized(t, eng, "full", 3, func() kernel.Behavior[int, int] { return g })
	if err := a.Tell(0); err != nil { // the actor holds this one at the gate
		t.Fatal(err)
	}
	<-g.entered
	for i := 1; i <= 3; i++ {
		if !a.TryTell(i) {
			t.Fatalf("TryTell(%d): false with room left", i)
		}
	}
	if a.TryTell(4) {
		t.Fatal("TryTell past the bound: true, want false")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err = a.Ask(ctx, 5)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ask on a full mailbox with a deadline: got %v, want DeadlineExceeded", err)
	}
	blocked := make(chan error, 8)
	for i := range 8 {
		go func() { blocked <- a.Tell(10 + i) }()
	}
	sctx, scancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer scancel()
	if err := eng.Shutdown(sctx); err == nil {
		t.Fatal("Shutdown with the actor stuck at its gate: got nil, want the actor named")
	}
	for range 8 {
		if err := <-blocked; err != nil && !errors.Is(err, messages.ErrStopped) {
			t.Fatalf("a Tell waiting for room at shutdown: got %v, want nil or ErrStopped", err)
		}
	}
	close(g.gate) // the actor's goroutine ends
	<-a.Done()
}
