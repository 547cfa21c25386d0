package bulkhead_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func TestConfigValidation(t *testing.T) {
	eng, _ := newEngine(t)
	for _, tc := range []struct {
		cfg   bulkhead.Config
		field string
	}{
		{bulkhead.Config{MaxInFlight: -1}, "MaxInFlight"},
		{bulkhead.Config{MaxWaiting: -1}, "MaxWaiting"},
		{bulkhead.Config{MaxWait: -time.Second}, "MaxWait"},
		{bulkhead.Config{MaxInFlight: bulkhead.LargestMaxInFlight + 1}, "MaxInFlight"},
		{bulkhead.Config{MaxInFlight: 1 << 40}, "MaxInFlight"},
		{bulkhead.Config{MaxWaiting: bulkhead.LargestMaxWaiting + 1}, "MaxWaiting"},
	} {
		_, err := bulkhead.New(eng, "bad", tc.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("New(%+v): got %v, want a ConfigError naming %s", tc.cfg, err, tc.field)
		}
		if verr := tc.cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Errorf("Validate(%+v): got %v, want %v", tc.cfg, verr, err)
		}
	}
	largest := bulkhead.Config{MaxInFlight: bulkhead.LargestMaxInFlight, MaxWaiting: bulkhead.LargestMaxWaiting}
	if err := largest.Validate(); err != nil {
		t.Errorf("Validate(%+v): got %v, want nil", largest, err)
	}
	if _, err := bulkhead.New(eng, "largest", largest); err != nil {
		t.Errorf("New(%+v): got %v, want a bulkhead", largest, err)
	}
	if _, err := bulkhead.New(nil, "x", bulkhead.Config{}); err == nil {
		t.Errorf("New(nil engine): got nil error, want one")
	}
}

func TestDefaultsAndRegistry(t *testing.T) {
	eng, _ := newEngine(t)
	b, err := bulkhead.New(eng, "test", bulkhead.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st := stats(t, b)
	if st.MaxInFlight != 10 || st.MaxWaiting != 0 || st.InFlight != 0 {
		t.Fatalf("defaults: got max %d waiting %d active %d, want 10 0 0", st.MaxInFlight, st.MaxWaiting, st.InFlight)
	}
	again, err := bulkhead.New(eng, "test", bulkhead.Config{})
	if err != nil || again != b {
		t.Fatalf("same name, same config: got %p, %v, want %p", again, err, b)
	}
	if same, err := bulkhead.New(eng, "test", bulkhead.Config{MaxInFlight: bulkhead.DefaultMaxInFlight}); err != nil || same != b {
		t.Fatalf("same name, the defaulted config spelt out: got %p, %v, want %p", same, err, b)
	}
	_, err = bulkhead.New(eng, "test", bulkhead.Config{MaxInFlight: 3})
	var ce *supervisor.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("same name, other config: got %v, want a *supervisor.ConflictError", err)
	}
}

// Scenario 40: max 2, no queue, 10 concurrent calls: at most 2 run, the
// others are rejected as queue_full.
func TestNoQueueRejectsAtOnce(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 2})
	var running, peak atomic.Int64
	hold := make(chan struct{})
	entered := make(chan struct{}, 10)
	errs := make(chan error, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			errs <- b.Execute(context.Background(), func(context.Context) error {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				entered <- struct{}{}
				<-hold
				running.Add(-1)
				return nil
			})
		})
	}
	<-entered
	<-entered
	// Eight calls must come back rejected while two hold the slots.
	for range 8 {
		wantRejected(t, <-errs, bulkhead.ReasonQueueFull)
	}
	close(hold)
	wg.Wait()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("admitted call: got %v, want nil", err)
		}
	}
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency: got %d, want 2", peak.Load())
	}
	st := stats(t, b)
	counts(t, st, 2, 8, 0, 0)
	if st.PeakInFlight != 2 || st.InFlight != 0 {
		t.Fatalf("peak, active: got %d %d, want 2 0", st.PeakInFlight, st.InFlight)
	}
}

// Scenario 41: max 2, queue 3, wait 1 s: 5 calls all get a slot.
func TestQueuedCallsAllSucceed(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 2, MaxWaiting: 3, MaxWait: time.Second})
	acquireN(t, b, 2)
	done := make(chan result, 3)
	for i := range 3 {
		go func() { done <- <-acquireAsync(context.Background(), b, i) }()
	}
	waitQueued(t, b, 3)
	releaseN(b, 2)
	for range 3 {
		if r := <-done; r.err != nil {
			t.Fatalf("queued call %d: got %v, want nil", r.i, r.err)
		}
		releaseN(b, 1) // the call is done: its slot goes to the next
	}
	st := stats(t, b)
	counts(t, st, 5, 0, 0, 0)
	if st.InFlight != 0 {
		t.Fatalf("active: got %d, want 0", st.InFlight)
	}
}

// Scenario 42: max 1, queue 1: the third call is rejected.
func TestQueueFull(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 1})
	acquireN(t, b, 1)
	ctx, cancel := context.WithCancel(context.Background())
	w := acquireAsync(ctx, b, 0)
	waitQueued(t, b, 1)
	_, err := b.Acquire(context.Background())
	wantRejected(t, err, bulkhead.ReasonQueueFull)
	cancel()
	if r := <-w; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled waiter: got %v, want context.Canceled", r.err)
	}
	counts(t, stats(t, b), 1, 1, 0, 1)
	releaseN(b, 1)
}

// Scenario 43 and ◆49: a queued call times out as wait_timeout (not
// queue_full), and is counted once.
func TestWaitTimeout(t *testing.T) {
	b, clock, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 10, MaxWait: 100 * time.Millisecond})
	acquireN(t, b, 1)
	w := acquireAsync(context.Background(), b, 0)
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(99 * time.Millisecond)
	select {
	case r := <-w:
		t.Fatalf("before MaxWait: got %v, want still waiting", r.err)
	default:
	}
	clock.Advance(time.Millisecond)
	wantRejected(t, (<-w).err, bulkhead.ReasonWaitTimeout)
	st := stats(t, b)
	counts(t, st, 1, 0, 1, 0)
	if st.Waiting != 0 || st.InFlight != 1 {
		t.Fatalf("waiting, active: got %d %d, want 0 1", st.Waiting, st.InFlight)
	}
	releaseN(b, 1)
	if st := stats(t, b); st.InFlight != 0 {
		t.Fatalf("active after release: got %d, want 0", st.InFlight)
	}
}

// Scenario 45: peak_active is 3 for 3 concurrent calls.
func TestPeakInFlight(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 5})
	acquireN(t, b, 3)
	releaseN(b, 3)
	acquireN(t, b, 1)
	st := stats(t, b)
	if st.PeakInFlight != 3 || st.InFlight != 1 {
		t.Fatalf("peak, active: got %d %d, want 3 1", st.PeakInFlight, st.InFlight)
	}
	releaseN(b, 1)
}

// Scenario 46 and 48: errors pass through, every slot comes back, also
// after a panic and a cancellation mid-call (◆49).
func TestSlotsComeBack(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 3})
	boom := errors.New("boom")
	for range 100 {
		if err := b.Execute(context.Background(), func(context.Context) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("Execute: got %v, want boom", err)
		}
	}
	func() {
		defer func() {
			if v := recover(); v != "oops" {
				t.Fatalf("recovered %v, want oops", v)
			}
		}()
		_, _ = bulkhead.Do(context.Background(), b, func(context.Context) (int, error) { panic("oops") })
	}()
	ctx, cancel := context.WithCancel(context.Background())
	err := b.Execute(ctx, func(ctx context.Context) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled mid-call: got %v, want context.Canceled", err)
	}
	v, err := bulkhead.Do(context.Background(), b, func(context.Context) (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("Do: got %d, %v, want 7, nil", v, err)
	}
	st := stats(t, b)
	if st.InFlight != 0 {
		t.Fatalf("active: got %d, want 0", st.InFlight)
	}
	counts(t, st, 103, 0, 0, 0)
	for i := range 3 {
		if !tryAcquire(b) {
			t.Fatalf("TryAcquire #%d: got false, want every slot free", i+1)
		}
	}
	if tryAcquire(b) {
		t.Fatalf("TryAcquire past the limit: got true, want false")
	}
	releaseN(b, 3)
}

// Scenario 47: one bulkhead_accepted per grant, one bulkhead_rejected with
// its reason per rejection.
func TestEvents(t *testing.T) {
	b, _, eng := newBulkhead(t, bulkhead.Config{MaxInFlight: 1})
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{bulkhead.Kind}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	acquireN(t, b, 1)
	_, err = b.Acquire(context.Background())
	wantRejected(t, err, bulkhead.ReasonQueueFull)
	releaseN(b, 1)
	want := []eventstream.Event{
		{Type: eventstream.EventBulkheadAccepted, Fields: eventstream.Fields{Count: 1, Max: 1}},
		{Type: eventstream.EventBulkheadRejected, Fields: eventstream.Fields{Reason: bulkhead.ReasonQueueFull, Count: 1, Max: 1}},
	}
	for i, w := range want {
		select {
		case ev := <-sub.C():
			if ev.Type != w.Type || ev.Pattern != bulkhead.Kind || ev.Name != "test" || ev.Fields != w.Fields {
				t.Fatalf("event %d: got %s %s %s %+v, want %s bulkhead test %+v", i, ev.Type, ev.Pattern, ev.Name, ev.Fields, w.Type, w.Fields)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d: none arrived, want %s", i, w.Type)
		}
	}
}

// Queued callers get their slots strictly in arrival order.
func TestFIFO(t *testing.T) {
	const n = 20
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: n})
	acquireN(t, b, 1)
	var res []<-chan result
	for i := range n {
		res = append(res, acquireAsync(context.Background(), b, i))
		waitQueued(t, b, i+1)
	}
	for i := range n {
		releaseN(b, 1)
		if r := <-res[i]; r.err != nil {
			t.Fatalf("waiter %d: got %v, want a slot", i, r.err)
		}
		// A newcomer never overtakes a queued caller.
		if i < n-1 {
			if tryAcquire(b) {
				t.Fatalf("TryAcquire with %d queued: got a slot, want none", n-1-i)
			}
		}
	}
	releaseN(b, 1)
	counts(t, stats(t, b), n+1, 0, 0, 0)
}

// ◆49: a queued caller whose context ends races a grant; whichever wins,
// the caller holds a slot iff Acquire returned nil, and nothing is counted
// twice.
func TestCancelRacesGrant(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 1})
	const rounds = 1000
	var granted, cancelled uint64
	acquireN(t, b, 1)
	for i := range rounds {
		ctx, cancel := context.WithCancel(context.Background())
		w := acquireAsync(ctx, b, i)
		waitQueued(t, b, 1)
		go cancel()
		releaseN(b, 1)
		r := <-w
		switch {
		case r.err == nil:
			granted++ // the waiter holds the slot now
		case errors.Is(r.err, context.Canceled):
			cancelled++
			acquireN(t, b, 1) // the slot was not lost
		default:
			t.Fatalf("round %d: got %v", i, r.err)
		}
		cancel()
		if st := stats(t, b); st.InFlight != 1 || st.Waiting != 0 {
			t.Fatalf("round %d: active, waiting: got %d %d, want 1 0", i, st.InFlight, st.Waiting)
		}
	}
	releaseN(b, 1)
	st := stats(t, b)
	counts(t, st, 1+rounds, 0, 0, cancelled)
	if st.InFlight != 0 {
		t.Fatalf("active: got %d, want 0", st.InFlight)
	}
	t.Logf("granted %d, cancelled %d", granted, cancelled)
}

// A wait timeout racing a grant: the same guarantees.
func TestTimeoutRacesGrant(t *testing.T) {
	b, clock, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 1, MaxWait: time.Second})
	const rounds = 1000
	var timedOut uint64
	acquireN(t, b, 1)
	for i := range rounds {
		w := acquireAsync(context.Background(), b, i)
		if err := clock.WaitForTimers(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { clock.Advance(time.Second); close(done) }()
		releaseN(b, 1)
		r := <-w
		<-done
		switch {
		case r.err == nil:
		case errors.Is(r.err, bulkhead.ErrFull):
			wantRejected(t, r.err, bulkhead.ReasonWaitTimeout)
			timedOut++
			acquireN(t, b, 1)
		default:
			t.Fatalf("round %d: got %v", i, r.err)
		}
		if st := stats(t, b); st.InFlight != 1 || st.Waiting != 0 {
			t.Fatalf("round %d: active, waiting: got %d %d, want 1 0", i, st.InFlight, st.Waiting)
		}
	}
	releaseN(b, 1)
	counts(t, stats(t, b), 1+rounds, 0, timedOut, 0)
	t.Logf("timed out %d of %d", timedOut, rounds)
}

// Shutdown gives ErrStopped to queued callers and to every later call.
func TestShutdown(t *testing.T) {
	clock := engine.NewFakeClock(epoch)
	eng, err := engine.New(engine.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bulkhead.New(eng, "test", bulkhead.Config{MaxInFlight: 1, MaxWaiting: 5})
	if err != nil {
		t.Fatal(err)
	}
	acquireN(t, b, 1)
	var res []<-chan result
	for i := range 3 {
		res = append(res, acquireAsync(context.Background(), b, i))
	}
	waitQueued(t, b, 3)
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, ch := range res {
		if r := <-ch; !errors.Is(r.err, messages.ErrStopped) {
			t.Fatalf("queued waiter %d: got %v, want ErrStopped", r.i, r.err)
		}
	}
	releaseN(b, 1)
	if _, err := b.Acquire(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Acquire after shutdown: got %v, want ErrStopped", err)
	}
	if _, err := b.Stats(context.Background()); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Stats after shutdown: got %v, want ErrStopped", err)
	}
}

// A call whose context has already ended, at a full bulkhead with room in
// its queue, is refused with ctx.Err() and counted once, as cancelled, so
// Accepted + Rejected + Cancelled stays the number of calls that returned.
func TestEndedContextCountedOnce(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1, MaxWaiting: 1})
	acquireN(t, b, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with an ended context: got %v, want context.Canceled", err)
	}
	st := stats(t, b)
	counts(t, st, 1, 0, 0, 1)
	if st.Waiting != 0 || st.InFlight != 1 {
		t.Fatalf("waiting, active: got %d, %d, want 0, 1 (the ended call took nothing)", st.Waiting, st.InFlight)
	}
	releaseN(b, 1)
}
