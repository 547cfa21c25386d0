package loadshed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/messages"
)

// Waiters of one priority are served in arrival order.
func TestFIFO(t *testing.T) {
	const n = 20
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxQueue: n})
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
	if st := stats(t, s); st.InFlight != 0 || st.Queued != 0 {
		t.Fatalf("got %+v, want nothing in flight or queued", st)
	}
}

// A cancellation racing a grant either leaves without a slot or returns
// the slot it was granted: never both, never neither.
func TestCancelRacesGrant(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1, MaxQueue: 4})
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
		if st := stats(t, s); st.InFlight != 0 || st.Queued != 0 {
			t.Fatalf("round %d: got in-flight %d queued %d, want 0 and 0", i, st.InFlight, st.Queued)
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
