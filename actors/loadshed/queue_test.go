package loadshed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// Waiters of one priority are served in arrival order.
func TestFIFO(t *testing.T) {
	const n = 20
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: n})
	acquireN(t, s, 1)
	order := make(chan int, n)
	for i := range n {
		go func() {
			if _, err := acquire(s, context.Background()); err != nil {
				t.Errorf("waiter %d: %v", i, err)
			}
			order <- i
		}()
		waitQueued(t, s, i+1)
	}
	for want := range n {
		releaseN(s, 1)
		if got := <-order; got != want {
			t.Fatalf("grant %d: got waiter %d, want %d", want, got, want)
		}
	}
	releaseN(s, 1)
	if st := stats(t, s); st.InFlight != 0 || st.Waiting != 0 {
		t.Fatalf("got %+v, want nothing in flight or queued", st)
	}
}

// A cancellation racing a grant either leaves without a slot or returns
// the slot it was granted: never both, never neither.
func TestCancelRacesGrant(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxWaiting: 4})
	for i := range 500 {
		acquireN(t, s, 1)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := acquire(s, ctx)
			done <- err
		}()
		waitQueued(t, s, 1)
		go cancel()
		releaseN(s, 1)
		err := <-done
		switch {
		case err == nil:
			releaseN(s, 1)
		case errors.Is(err, context.Canceled):
		default:
			t.Fatalf("round %d: got %v", i, err)
		}
		if st := stats(t, s); st.InFlight != 0 || st.Waiting != 0 {
			t.Fatalf("round %d: got in-flight %d queued %d, want 0 and 0", i, st.InFlight, st.Waiting)
		}
	}
	p, err := acquire(s, context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acquirePriority(s, context.Background(), messages.Low); !errors.Is(err, loadshed.ErrShed) {
		t.Fatalf("second slot of one: got %v, want shed", err)
	}
	s.Release(p, messages.Success)
}

// A waiter is shed with ReasonWaitTimeout when MaxWait passes, and not a
// moment before; a waiter whose context ends is counted as cancelled.
func TestMaxWait(t *testing.T) {
	eng, clock := enginetest.StartFake(t, epoch)
	s, err := loadshed.New(eng, "test", loadshed.Config{MaxInFlight: 1, MaxWaiting: 2, MaxWait: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	acquireN(t, s, 1)
	timedOut := make(chan error, 1)
	go func() {
		_, err := acquire(s, context.Background())
		timedOut <- err
	}()
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(99 * time.Millisecond)
	select {
	case err := <-timedOut:
		t.Fatalf("before MaxWait: returned %v, want still waiting", err)
	default:
	}
	clock.Advance(time.Millisecond)
	var rej *messages.RejectedError
	if err := <-timedOut; !errors.As(err, &rej) || rej.Reason != loadshed.ReasonWaitTimeout {
		t.Fatalf("after MaxWait: got %v, want a rejection for %s", err, loadshed.ReasonWaitTimeout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := acquire(s, ctx)
		cancelled <- err
	}()
	waitQueued(t, s, 1)
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled waiter: got %v, want context.Canceled", err)
	}
	st := stats(t, s)
	if st.RejectedBy[loadshed.ReasonWaitTimeout] != 1 || st.Rejected != 1 || st.Cancelled != 1 || st.Accepted != 1 || st.InFlight != 1 {
		t.Fatalf("stats: got %+v, want 1 wait_timeout, 1 cancelled, 1 accepted, 1 in flight", st)
	}
}
