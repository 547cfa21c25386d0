package bulkhead_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func reconfigure(t *testing.T, b *bulkhead.Bulkhead, cfg bulkhead.Config) {
	t.Helper()
	if err := b.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatalf("Reconfigure(%+v): %v", cfg, err)
	}
}

// A higher MaxInFlight admits the waiters at once, oldest first, up to the
// new limit; the rest keep waiting.
func TestReconfigureHigherLimitAdmitsWaitersInOrder(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 3})
	acquireN(t, b, 1)
	var res []<-chan result
	for i := range 3 {
		res = append(res, acquireAsync(context.Background(), b, i))
		waitQueued(t, b, i+1)
	}
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 3, MaxWaiting: 3})
	for i := range 2 {
		if r := <-res[i]; r.err != nil {
			t.Fatalf("waiter %d: got %v, want a slot", i, r.err)
		}
	}
	select {
	case r := <-res[2]:
		t.Fatalf("the youngest waiter, with the 3 slots taken: got %v, want still waiting", r.err)
	default:
	}
	if st := stats(t, b); st.InFlight != 3 || st.Waiting != 1 || st.MaxInFlight != 3 {
		t.Fatalf("in flight, waiting, max: got %d %d %d, want 3 1 3", st.InFlight, st.Waiting, st.MaxInFlight)
	}
	releaseN(b, 1)
	if r := <-res[2]; r.err != nil {
		t.Fatalf("waiter 2: got %v, want a slot", r.err)
	}
	releaseN(b, 3)
	counts(t, stats(t, b), 4, 0, 0, 0)
}

// A lower MaxInFlight lets the holders finish and admits nobody, on the
// fast path or from the queue, until fewer than the new limit hold a slot.
func TestReconfigureLowerLimitLetsHoldersFinish(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 3, MaxWaiting: 2})
	acquireN(t, b, 3)
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 2})
	if tryAcquire(b) {
		t.Fatal("TryAcquire with 3 held under a limit of 1: got a slot")
	}
	w := acquireAsync(context.Background(), b, 0)
	waitQueued(t, b, 1)
	for held := 2; held >= 1; held-- {
		releaseN(b, 1)
		if st := stats(t, b); st.InFlight != held || st.Waiting != 1 {
			t.Fatalf("after a release: in flight %d, waiting %d; want %d 1", st.InFlight, st.Waiting, held)
		}
		if tryAcquire(b) {
			t.Fatalf("TryAcquire with %d held under a limit of 1: got a slot", held)
		}
	}
	releaseN(b, 1)
	if r := <-w; r.err != nil {
		t.Fatalf("the waiter once nobody held a slot: got %v, want a slot", r.err)
	}
	if tryAcquire(b) {
		t.Fatal("TryAcquire with 1 held under a limit of 1: got a slot")
	}
	releaseN(b, 1)
	if !tryAcquire(b) {
		t.Fatal("TryAcquire with none held: got no slot")
	}
	releaseN(b, 1)
	st := stats(t, b)
	if st.InFlight != 0 || st.PeakInFlight != 3 || st.Misused != 0 {
		t.Fatalf("at the end: in flight %d, peak %d, misused %d; want 0 3 0", st.InFlight, st.PeakInFlight, st.Misused)
	}
	counts(t, st, 5, 0, 0, 0)
}

// A shorter MaxWaiting turns the youngest waiters away with
// ReasonReconfigured; MaxWait applies to waiters that join afterwards.
func TestReconfigureShorterQueueAndMaxWait(t *testing.T) {
	b, clock, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 3})
	acquireN(t, b, 1)
	var res []<-chan result
	for i := range 3 {
		res = append(res, acquireAsync(context.Background(), b, i))
		waitQueued(t, b, i+1)
	}
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 2, MaxWait: time.Second})
	if r := <-res[2]; !errors.Is(r.err, bulkhead.ErrFull) {
		t.Fatalf("the youngest waiter: got %v, want ErrFull", r.err)
	} else {
		wantRejected(t, r.err, messages.ReasonReconfigured)
	}
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 3, MaxWait: time.Second})
	late := acquireAsync(context.Background(), b, 3)
	waitQueued(t, b, 3)
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	wantRejected(t, (<-late).err, bulkhead.ReasonWaitTimeout)
	for i := range 2 {
		releaseN(b, 1)
		if r := <-res[i]; r.err != nil {
			t.Fatalf("waiter %d from before the change (no MaxWait): got %v, want a slot", i, r.err)
		}
	}
	releaseN(b, 1)
	st := stats(t, b)
	by := st.RejectedBy
	if st.Accepted != 3 || st.Rejected != 2 || by[bulkhead.ReasonReconfigured] != 1 || by[bulkhead.ReasonWaitTimeout] != 1 || st.Cancelled != 0 {
		t.Fatalf("accepted, rejected (by reason), cancelled: got %d %d %v %d, want 3 2 reconfigured 1 wait_timeout 1, 0", st.Accepted, st.Rejected, by, st.Cancelled)
	}
}

// The change is published once as config_changed with the fields that
// changed; the registry then holds the new config; an equal config
// publishes nothing and resets nothing.
func TestReconfigureEventRegistryAndNoOp(t *testing.T) {
	b, _, eng := newBulkhead(t, bulkhead.Config{MaxInFlight: 2})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	acquireN(t, b, 1)
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 2}) // equal: nothing
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 4, MaxWaiting: 1})
	e := <-sub.C()
	if e.Pattern != bulkhead.Kind || e.Name != "test" || e.Fields.OldState != "MaxInFlight=2 MaxWaiting=0" || e.Fields.NewState != "MaxInFlight=4 MaxWaiting=1" {
		t.Fatalf("config_changed: got %s/%s %q -> %q", e.Pattern, e.Name, e.Fields.OldState, e.Fields.NewState)
	}
	reconfigure(t, b, bulkhead.Config{MaxInFlight: 4, MaxWaiting: 1})
	select {
	case e := <-sub.C():
		t.Fatalf("an equal config: got an event %+v, want none", e)
	default:
	}
	if st := stats(t, b); st.InFlight != 1 || st.Accepted != 1 || st.MaxInFlight != 4 || st.MaxWaiting != 1 {
		t.Fatalf("after the changes: %+v, want 1 in flight and accepted, max 4, waiting 1", st)
	}
	if got, err := bulkhead.New(eng, "test", bulkhead.Config{MaxInFlight: 4, MaxWaiting: 1}); err != nil || got != b {
		t.Fatalf("New with the new config: got %p %v, want the same bulkhead", got, err)
	}
	var conflict *supervisor.ConflictError
	if _, err := bulkhead.New(eng, "test", bulkhead.Config{MaxInFlight: 2}); !errors.As(err, &conflict) {
		t.Fatalf("New with the old config: got %v, want a *supervisor.ConflictError", err)
	}
	releaseN(b, 1)
}

func TestReconfigureRefusesBadConfigAndAfterShutdown(t *testing.T) {
	b, _, eng := newBulkhead(t, bulkhead.Config{MaxInFlight: 2})
	var ce *messages.ConfigError
	if err := b.Reconfigure(context.Background(), bulkhead.Config{MaxInFlight: -1}); !errors.As(err, &ce) || ce.Field != "MaxInFlight" {
		t.Fatalf("MaxInFlight -1: got %v, want a ConfigError naming MaxInFlight", err)
	}
	if st := stats(t, b); st.MaxInFlight != 2 {
		t.Fatalf("MaxInFlight after a refused config: got %d, want 2", st.MaxInFlight)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Reconfigure(ctx, bulkhead.Config{MaxInFlight: 3}); !errors.Is(err, context.Canceled) {
		t.Fatalf("an ended context: got %v, want context.Canceled", err)
	}
	if st := stats(t, b); st.MaxInFlight != 2 {
		t.Fatalf("MaxInFlight after a call with an ended context: got %d, want 2", st.MaxInFlight)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Reconfigure(context.Background(), bulkhead.Config{MaxInFlight: 3}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("after Shutdown: got %v, want ErrStopped", err)
	}
}
