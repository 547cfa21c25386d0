package backpressure_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// These tests race the fast path (callers moving the gate's count) against
// the actor (closing the gate, queueing, admitting, reopening).

// 10,000 goroutines, five calls each, waiting or not, some giving up in
// the queue: the items held never exceed HighWaterMark (so never
// MaxInFlight) at any instant; every admission and rejection is counted
// once, as the callers saw it; every admitted
// item is released once (afterwards nothing is pending and exactly
// HighWaterMark items are admitted again); backpressure_on and
// backpressure_off alternate, on at the high mark, off at or below the
// low one, one event per transition.
func TestHandshakeHammer(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	const n, calls, high, low = 10000, 5, 16, 4
	m, _, eng := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 4096, HighWaterMark: high, LowWaterMark: low})
	// Each on follows at least high-low admissions: 1<<14 events is room
	// for every transition of n*calls admissions.
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{
		eventstream.EventBackpressureOn, eventstream.EventBackpressureOff}}, 1<<14)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var held, peak atomic.Int64
	var admitted, cancelled atomic.Uint64
	var rejected [3]atomic.Uint64 // by reason: overloaded, active, wait_timeout
	reasons := []string{backpressure.ReasonOverloaded, backpressure.ReasonActive, backpressure.ReasonWaitTimeout}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for j := range calls {
				ctx, wait := context.Background(), time.Duration(0)
				cancel := context.CancelFunc(func() {})
				switch (i + j) % 4 {
				case 1, 2:
					wait = untilCanceled
				case 3: // gives up in the queue, or is admitted first
					wait = untilCanceled
					ctx, cancel = context.WithTimeout(ctx, 20*time.Microsecond)
				}
				p, err := acquire(m, ctx, wait)
				cancel()
				var rej *messages.RejectedError
				switch {
				case err == nil:
					admitted.Add(1)
					h := held.Add(1)
					for pk := peak.Load(); h > pk && !peak.CompareAndSwap(pk, h); pk = peak.Load() {
					}
					if j%2 == 0 {
						runtime.Gosched()
					}
					held.Add(-1)
					m.Release(p, messages.Success)
				case errors.Is(err, context.DeadlineExceeded):
					cancelled.Add(1)
				case errors.As(err, &rej):
					rejected[slices.Index(reasons, rej.Reason)].Add(1)
				default:
					t.Errorf("call %d/%d: got %v", i, j, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > high {
		t.Fatalf("items held at once: got %d, want ≤%d (HighWaterMark)", p, high)
	}
	// A context that ended before the call returns ctx.Err() uncounted;
	// one that ends in the queue is counted as cancelled.
	st := want(t, m, 0, 0, false)
	if st.Accepted != admitted.Load() || st.Cancelled > cancelled.Load() ||
		st.RejectedBy[backpressure.ReasonOverloaded] != rejected[0].Load() ||
		st.RejectedBy[backpressure.ReasonActive] != rejected[1].Load() || st.RejectedBy[backpressure.ReasonWaitTimeout] != 0 {
		t.Fatalf("stats: got accepted %d cancelled %d rejected %v; callers saw %d, ≥%d, [%d %d 0]", st.Accepted, st.Cancelled, st.RejectedBy,
			admitted.Load(), cancelled.Load(), rejected[0].Load(), rejected[1].Load())
	}
	t.Logf("accepted %d, cancelled %d in the queue (%d in all), rejected %v, peak %d", st.Accepted, st.Cancelled, cancelled.Load(), st.RejectedBy, peak.Load())

	// The actor published every event before it answered Stats.
	if d := sub.Dropped(); d != 0 {
		t.Fatalf("events dropped: got %d, want 0", d)
	}
	var evs []eventstream.Event
	for len(sub.C()) > 0 {
		evs = append(evs, <-sub.C())
	}
	if len(evs) == 0 || len(evs)%2 != 0 {
		t.Fatalf("events: got %d, want an even number > 0 (on, off, ...)", len(evs))
	}
	for i, ev := range evs {
		on := i%2 == 0
		switch {
		case on && (ev.Type != eventstream.EventBackpressureOn || ev.Fields.Count != high || ev.Fields.Limit != "high"):
			t.Fatalf("event %d: got %s %+v, want backpressure_on at %d", i, ev.Type, ev.Fields, high)
		case !on && (ev.Type != eventstream.EventBackpressureOff || ev.Fields.Count > low || ev.Fields.Limit != "low"):
			t.Fatalf("event %d: got %s %+v, want backpressure_off at ≤%d", i, ev.Type, ev.Fields, low)
		}
	}
	t.Logf("%d transitions", len(evs))

	acquireN(t, m, high)
	_, err = acquireWait(m, context.Background(), 0)
	wantRejected(t, err, backpressure.ReasonActive)
	releaseN(m, high)
	want(t, m, 0, 0, false)
}

// A Release races a caller's arrival, 2,000 times each way: with the gate
// closed (backpressure on, the caller queues or is admitted at once) and
// with it open (the release takes the count down by compare-and-swap while
// the actor closes the gate for the arrival at the mark). The caller is
// always admitted, and the count is exact afterwards: no release is lost,
// none counted twice, no waiter stranded.
func TestHandshakeReleaseRacesArrival(t *testing.T) {
	const rounds = 2000
	t.Run("closed", func(t *testing.T) {
		m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 10, HighWaterMark: 2, LowWaterMark: 1})
		acquireN(t, m, 2)
		for i := range rounds {
			w := acquireAsync(context.Background(), m, untilCanceled, i)
			released := releaseAsync(m)
			admittedWithin(t, w)
			<-released
			want(t, m, 2, 0, true)
		}
	})
	t.Run("open", func(t *testing.T) {
		m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 10, HighWaterMark: 2, LowWaterMark: backpressure.Drained})
		for i := range rounds {
			acquireN(t, m, 1)
			w := acquireAsync(context.Background(), m, 0, i)
			released := releaseAsync(m)
			admittedWithin(t, w)
			<-released
			if st := stats(t, m); st.InFlight != 1 || st.Waiting != 0 {
				t.Fatalf("round %d: pending, waiting: got %d %d, want 1 0", i, st.InFlight, st.Waiting)
			}
			releaseN(m, 1)
			want(t, m, 0, 0, false)
		}
		if st := stats(t, m); st.Accepted != 2*rounds || st.Rejected != 0 {
			t.Fatalf("accepted, rejected: got %d %d, want %d 0", st.Accepted, st.Rejected, 2*rounds)
		}
	})
}

// releaseAsync releases one item of m in a goroutine; the channel closes
// when it has.
func releaseAsync(m *backpressure.Gate) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		releaseN(m, 1)
	}()
	return done
}

// admittedWithin fails unless w's caller is admitted (a stranded waiter
// fails after 10 s rather than hanging the test).
func admittedWithin(t *testing.T, w <-chan result) {
	t.Helper()
	select {
	case r := <-w:
		if r.err != nil {
			t.Fatalf("round %d: got %v, want admitted", r.i, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("caller stranded: not admitted after 10 s")
	}
}

// 10,000 queued goroutines are admitted in queue order as the gate closes
// and reopens: HighWaterMark 8 and LowWaterMark 4, so each four releases
// turn backpressure off, admit the next four waiters and turn it on again;
// meanwhile a caller that will not wait is rejected, never let past the
// queue.
func TestHandshakeFIFOAcrossTransitions(t *testing.T) {
	const n, high, low = 10000, 8, 4
	m := gateClosed(t, n, high, low)
	admitted := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := acquireWait(m, context.Background(), untilCanceled); err != nil {
				t.Errorf("waiter %d: %v", i, err)
				return
			}
			admitted <- i // the test releases the item
		})
		waitQueued(t, m, i+1)
	}
	group := make([]int, high-low)
	for next := 0; next < n; next += high - low {
		releaseN(m, high-low)
		for k := range group {
			group[k] = <-admitted
		}
		slices.Sort(group)
		for k, got := range group {
			if got != next+k {
				t.Fatalf("admitted after waiter %d: got %v, want %d..%d", next, group, next, next+high-low-1)
			}
		}
		if next+high-low < n {
			_, err := acquireWait(m, context.Background(), 0)
			wantRejected(t, err, backpressure.ReasonActive)
		}
	}
	wg.Wait()
	want(t, m, high, 0, true)
	releaseN(m, high)
	want(t, m, 0, 0, false)
}

// 10,000 queued goroutines, half of them cancelled while the queue drains:
// a waiter admitted just before its context ended gives its item back
// once, and the count stays exact. Once every cancelled caller has
// returned, pending is exactly the items the admitted callers hold; at
// the end nothing is pending and every call is counted once.
func TestHandshakeCancelInQueue(t *testing.T) {
	const n, high, low = 10000, 16, 8
	m := gateClosed(t, n, high, low)
	type outcome struct {
		i   int
		err error
	}
	outcomes := make(chan outcome, n)
	hold := make(chan struct{}) // admitted callers hold their item until it closes
	cancels := make([]context.CancelFunc, n)
	var wg sync.WaitGroup
	for i := range n {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Go(func() {
			p, err := acquire(m, ctx, untilCanceled)
			outcomes <- outcome{i, err}
			if err == nil {
				<-hold
				m.Release(p, messages.Success)
			}
		})
	}
	waitQueued(t, m, n)
	var side sync.WaitGroup
	side.Go(func() {
		for i := 0; i < n; i += 2 {
			cancels[i]()
		}
	})
	side.Go(func() { releaseN(m, high) })
	side.Wait()

	// Wait for every cancelled caller (even i) to return.
	var admittedOdd, admittedEven, gaveUp, evenDone int
	for evenDone < n/2 {
		o := <-outcomes
		switch {
		case o.err == nil && o.i%2 == 0:
			admittedEven++
			evenDone++
		case o.err == nil:
			admittedOdd++
		case errors.Is(o.err, context.Canceled) && o.i%2 == 0:
			gaveUp++
			evenDone++
		default:
			t.Fatalf("caller %d: got %v", o.i, o.err)
		}
	}
	// Every odd caller is queued or admitted and holding its item; every
	// even one returned, holding its item iff it was admitted.
	st := stats(t, m)
	if holding := admittedEven + (n/2 - st.Waiting); st.InFlight != holding || st.InFlight > high {
		t.Fatalf("pending: got %d (%d waiting), want the %d items held (%d cancelled callers admitted), at most %d",
			st.InFlight, st.Waiting, holding, admittedEven, high)
	}
	if st.Cancelled != uint64(gaveUp) {
		t.Fatalf("cancelled: got %d, want %d", st.Cancelled, gaveUp)
	}
	close(hold)
	wg.Wait()
	close(outcomes)
	for o := range outcomes {
		if o.err != nil || o.i%2 == 0 {
			t.Fatalf("caller %d: got %v, want an odd caller admitted", o.i, o.err)
		}
		admittedOdd++
	}
	st = want(t, m, 0, 0, false)
	if admittedOdd != n/2 || st.Accepted != uint64(high+admittedOdd+admittedEven) || st.Cancelled != uint64(gaveUp) || st.Rejected != 0 {
		t.Fatalf("accepted, cancelled, rejected: got %d %d %d, want %d %d 0 (odd callers admitted: %d of %d)",
			st.Accepted, st.Cancelled, st.Rejected, high+admittedOdd+admittedEven, gaveUp, admittedOdd, n/2)
	}
	t.Logf("cancelled callers admitted first: %d of %d", admittedEven, n/2)
}

// gateClosed returns a manager with room for n waiters and high items
// pending (backpressure on, the gate closed); it skips under -short.
func gateClosed(t *testing.T, n, high, low int) *backpressure.Gate {
	t.Helper()
	if testing.Short() {
		t.Skip("long")
	}
	m, _, _ := newGate(t, backpressure.Config{MaxWaiting: backpressure.LargestMaxWaiting, MaxInFlight: 2 * n, HighWaterMark: high, LowWaterMark: low})
	acquireN(t, m, high)
	return m
}
