package redisbreaker

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// slowProcess is a process of its own fake clock, so a test decides how
// long each call takes.
func slowProcess(t *testing.T, srv *redistest.Server, cfg Config) (*Breaker, *engine.FakeClock) {
	t.Helper()
	eng, clock := enginetest.StartFake(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cfg.Prefix = t.Name()
	b, err := New(eng, "payments", srv.Client(t, nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b, clock
}

// calls makes n successful calls through b that each take d on clock.
func calls(t *testing.T, b *Breaker, clock *engine.FakeClock, n int, d time.Duration) {
	t.Helper()
	for range n {
		p, err := b.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(d)
		b.Release(p, messages.Success)
	}
}

// slowConfig opens at a slow-call rate of 1/2 over at least 12 calls of
// the window; only the slow-call rate can open it. Timeout: see
// TestFailuresOfAllOpenAll.
var slowConfig = Config{FlushInterval: time.Second, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{
	OpenAtSlowCallRate: 0.5, SlowCallDuration: 10 * time.Millisecond, MinimumCalls: 12,
	WindowType: circuitbreaker.TimeBased, RecoveryTimeout: time.Minute}}

// TestSlowCallRateIsClusterWide: two processes make 6 calls each, all of
// the first slow (20 ms, SlowCallDuration 10 ms): neither holds
// MinimumCalls (12) alone, so no local breaker opens, but across the
// cluster 6 of 12 calls are slow, the slow-call rate (1/2) is reached and
// window reads the shared window's hash at key from srv and returns its
// counts summed by field kind (the letter after the last ':' of a field:
// s successes, f failures, w slow calls).
func window(t *testing.T, srv *redistest.Server, key string) map[string]int {
	t.Helper()
	fields, err := srv.Client(t, nil).HGetAll(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for k, v := range fields {
		n, _ := strconv.Atoi(v)
		by[k[strings.LastIndexByte(k, ':')+1:]] += n
	}
	return by
}

// the shared circuit opens for both, with reason slow_call_rate.
func TestSlowCallRateIsClusterWide(t *testing.T) {
	srv := redistest.Start(t, 0)
	a, ca := slowProcess(t, srv, slowConfig)
	b, cb := slowProcess(t, srv, slowConfig)
	sub := srv.Client(t, nil).Subscribe(context.Background(), a.channel)
	defer sub.Close()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls(t, a, ca, 6, 20*time.Millisecond)
	calls(t, b, cb, 6, time.Millisecond)
	syncNow(t, a)
	syncNow(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, err := sub.ReceiveMessage(ctx)
	if err != nil {
		t.Fatalf("no state change was published: %v", err)
	}
	if msg.Payload != "open 1 slow_call_rate" {
		t.Fatalf("published %q, want \"open 1 slow_call_rate\"", msg.Payload)
	}
	for i, p := range []*Breaker{a, b} {
		syncNow(t, p)
		if s, _ := p.State(); s != circuitbreaker.Open {
			t.Fatalf("process %d: %v after the cluster's slow-call rate reached 1/2", i, s)
		}
		if st, _ := p.Stats(context.Background()); st.Local.State != circuitbreaker.Closed {
			t.Fatalf("process %d: the local breaker is %v; it holds 6 calls, fewer than MinimumCalls", i, st.Local.State)
		}
	}
}

// TestSlowCallRateBelowStaysClosed: 5 slow calls of 12 across the cluster
// are under the rate: the shared circuit stays closed.
func TestSlowCallRateBelowStaysClosed(t *testing.T) {
	srv := redistest.Start(t, 0)
	a, ca := slowProcess(t, srv, slowConfig)
	b, cb := slowProcess(t, srv, slowConfig)
	calls(t, a, ca, 5, 20*time.Millisecond)
	calls(t, a, ca, 1, 10*time.Millisecond-time.Nanosecond)
	calls(t, b, cb, 6, time.Millisecond)
	for _, p := range []*Breaker{a, b, a} {
		syncNow(t, p)
	}
	for i, p := range []*Breaker{a, b} {
		if s, _ := p.State(); s != circuitbreaker.Closed {
			t.Fatalf("process %d: %v with 5 slow calls of 12 (rate 1/2)", i, s)
		}
	}
	by := window(t, srv, a.keys[1])
	if by["s"] != 12 || by["f"] != 0 || by["w"] != 5 {
		t.Fatalf("the shared window holds %v, want s:12 w:5 (successes, slow among them)", by)
	}
}

// TestSlowTrialsReopen: in HALF_OPEN a successful trial at or above
// SlowCallDuration counts as slow across the cluster: one slow trial of
// one (OpenAtSlowCallRate 1/2) opens the circuit again with reason
// slow_call_rate; fast trials then close it (SuccessThreshold 3).
func TestSlowTrialsReopen(t *testing.T) {
	srv := redistest.Start(t, 0)
	cfg := Config{FlushInterval: time.Second, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{
		FailureThreshold: 1, OpenAtSlowCallRate: 0.5, SlowCallDuration: 10 * time.Millisecond,
		RecoveryTimeout: 50 * time.Millisecond, HalfOpenMaxCalls: 1, SuccessThreshold: 3, HalfOpenLease: 5 * time.Second}}
	b, clock := slowProcess(t, srv, cfg)
	sub := srv.Client(t, nil).Subscribe(context.Background(), b.channel)
	defer sub.Close()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := func(want string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		msg, err := sub.ReceiveMessage(ctx)
		if err != nil || msg.Payload != want {
			t.Fatalf("published %v (%v), want %q", msg, err, want)
		}
	}
	// trial waits for the recovery timeout (on both clocks) and runs one
	// trial that takes d.
	trial := func(d time.Duration) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			p, err := b.Acquire(context.Background())
			if err == nil && p.Token < 1<<48 {
				clock.Advance(d)
				b.Release(p, messages.Success)
				return
			}
			if err == nil {
				t.Fatalf("a permit of the local breaker (%#x) while the shared circuit is not closed", p.Token)
			}
			if time.Now().After(deadline) {
				t.Fatalf("no trial within 5 s: %v", err)
			}
			clock.Advance(10 * time.Millisecond) // the time left this process counts on its clock
			time.Sleep(5 * time.Millisecond)     // the recovery timeout runs on the server's clock
		}
	}
	_ = call(t, b, errBackend)
	syncNow(t, b)
	next("open 1 failure_threshold")
	trial(20 * time.Millisecond)
	next("half_open 2 recovery_timeout")
	next("open 3 slow_call_rate")
	for range 3 {
		trial(time.Millisecond)
	}
	next("half_open 4 recovery_timeout")
	next("closed 5 success_threshold")
}

// TestSlowCountsUnderLoad, on the real clock: four processes of 16
// goroutines make 20 calls each, every fifth of them sleeping past
// SlowCallDuration, while each process flushes every 5 ms. Every call
// reaches the shared window exactly once, and every slow one is counted
// slow (a call the machine stalled may be counted slow too, never one
// more than the calls).
func TestSlowCountsUnderLoad(t *testing.T) {
	srv := redistest.Start(t, 0)
	cfg := Config{Prefix: t.Name(), FlushInterval: 5 * time.Millisecond, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{
		OpenAtSlowCallRate: 1, SlowCallDuration: 30 * time.Millisecond, MinimumCalls: 100_000, WindowType: circuitbreaker.TimeBased}}
	const procs, goroutines, each = 4, 16, 20
	bs := make([]*Breaker, procs)
	for i := range bs {
		bs[i], _ = process(t, srv, cfg)
	}
	var wg sync.WaitGroup
	for _, b := range bs {
		for range goroutines {
			wg.Go(func() {
				for i := range each {
					err := b.Execute(context.Background(), func(context.Context) error {
						if i%5 == 0 {
							time.Sleep(40 * time.Millisecond) // the slow call itself
						}
						return nil
					})
					if err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	for _, b := range bs {
		syncNow(t, b)
		if st, _ := b.Stats(context.Background()); st.Fallback || st.FlushErrors != 0 {
			t.Fatalf("a flush failed: %+v", st)
		}
	}
	by := window(t, srv, bs[0].keys[1])
	const calls, slow = procs * goroutines * each, procs * goroutines * each / 5
	t.Logf("window %v", by)
	if by["s"] != calls || by["f"] != 0 || by["w"] < slow || by["w"] > calls {
		t.Fatalf("the shared window holds %v; want s:%d, w between %d and %d", by, calls, slow, calls)
	}
}
