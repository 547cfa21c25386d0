package redisbreaker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBackend = errors.New("backend down")

// counter counts the commands a client sends.
type counter struct{ n atomic.Int64 }

func (c *counter) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (c *counter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c *counter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// process is one "process" of a cluster: its own engine, client and
// shared breaker.
func process(t testing.TB, srv *redistest.Server, cfg Config) (*Breaker, *counter) {
	t.Helper()
	eng := enginetest.Start(t)
	c := srv.Client(t, nil)
	n := &counter{}
	c.AddHook(n)
	if cfg.Prefix == "" {
		cfg.Prefix = t.Name()
	}
	b, err := New(eng, "payments", c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b, n
}

func call(t *testing.T, b *Breaker, err error) error {
	t.Helper()
	return b.Execute(context.Background(), func(context.Context) error { return err })
}

func syncNow(t *testing.T, b *Breaker) {
	t.Helper()
	if err := b.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestClosedPathNeverTouchesRedis: 10,000 calls in CLOSED send Redis only
// the flushes, and every outcome reaches the shared window.
func TestClosedPathNeverTouchesRedis(t *testing.T) {
	srv := redistest.Start(t, 0)
	b, n := process(t, srv, Config{FlushInterval: time.Second, Timeout: 10 * time.Second}) // no flush may time out under -race
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 625 {
				if err := call(t, b, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	syncNow(t, b)
	st, err := b.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Each flush is one EVALSHA (and one EVAL the first time the script is
	// not cached).
	if got := n.n.Load(); got > 2*int64(st.Flushes)+2 {
		t.Fatalf("10,000 calls sent %d commands for %d flushes", got, st.Flushes)
	}
	window, err := srv.Client(t, nil).HGetAll(context.Background(), b.keys[1]).Result()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, v := range window {
		var x int
		fmt.Sscan(v, &x)
		total += x
	}
	if total != 10000 || st.Local.Succeeded != 10000 || st.FlushErrors != 0 {
		t.Fatalf("the shared window holds %d outcomes, the local breaker %d (%d flush errors); want 10,000", total, st.Local.Succeeded, st.FlushErrors)
	}
	t.Logf("10,000 calls: %d commands, %d flushes", n.n.Load(), st.Flushes)
}

// TestFailuresOfAllOpenAll: four processes each see failures that would
// not open a breaker of their own; together they open the shared circuit,
// and every process follows within one FlushInterval plus one round trip.
func TestFailuresOfAllOpenAll(t *testing.T) {
	srv := redistest.Start(t, 0)
	const interval = 50 * time.Millisecond
	// A Timeout far above a round trip: a flush that timed out on a loaded
	// machine would drop its batch (fallback), and the trip with it.
	cfg := Config{FlushInterval: interval, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{FailureThreshold: 20, RecoveryTimeout: time.Minute}}
	procs := make([]*Breaker, 4)
	for i := range procs {
		procs[i], _ = process(t, srv, cfg)
	}
	sub := srv.Client(t, nil).Subscribe(context.Background(), procs[0].channel)
	defer sub.Close()
	if _, err := sub.Receive(context.Background()); err != nil { // the subscription is confirmed
		t.Fatal(err)
	}
	for _, b := range procs {
		for range 6 {
			if err := call(t, b, errBackend); !errors.Is(err, errBackend) {
				t.Fatalf("a failing call: got %v", err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, err := sub.ReceiveMessage(ctx)
	tripped := time.Now()
	if err != nil {
		t.Fatalf("no state change was published: %v", err)
	}
	var worst time.Duration
	for i, b := range procs {
		for {
			if s, _ := b.State(); s == circuitbreaker.Open {
				break
			}
			if time.Since(tripped) > 10*interval+time.Second {
				t.Fatalf("process %d did not follow %q", i, msg.Payload)
			}
			time.Sleep(time.Millisecond) // polling another goroutine's progress on the real clock
		}
		worst = max(worst, time.Since(tripped))
	}
	t.Logf("%q: every process open within %v (FlushInterval %v)", msg.Payload, worst, interval)
	if worst > interval+500*time.Millisecond { // slack: a shared, raced machine
		t.Errorf("the last process followed after %v, want within %v plus a round trip", worst, interval)
	}
	for i, b := range procs {
		var rej *messages.RejectedError
		if err := call(t, b, nil); !errors.As(err, &rej) || !errors.Is(err, circuitbreaker.ErrOpen) || rej.RetryAfter <= 0 {
			t.Fatalf("process %d, a call while open: got %v", i, err)
		}
		if st, _ := b.Stats(context.Background()); st.Local.Failed != 6 || st.Local.State != circuitbreaker.Closed {
			t.Fatalf("process %d: the local breaker saw %d failures and is %v; want 6, closed (it did not open alone)", i, st.Local.Failed, st.Local.State)
		}
	}
}

// TestTrialsAreLeasedClusterWide: in HALF_OPEN at most HalfOpenMaxCalls
// trials are in flight across every process, and SuccessThreshold trial
// successes close the circuit for all.
func TestTrialsAreLeasedClusterWide(t *testing.T) {
	srv := redistest.Start(t, 0)
	// Timeout: see TestFailuresOfAllOpenAll.
	cfg := Config{FlushInterval: 20 * time.Millisecond, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{FailureThreshold: 4,
		RecoveryTimeout: 200 * time.Millisecond, HalfOpenMaxCalls: 2, SuccessThreshold: 6, HalfOpenLease: 5 * time.Second}}
	procs := make([]*Breaker, 4)
	for i := range procs {
		procs[i], _ = process(t, srv, cfg)
	}
	for _, b := range procs {
		_ = call(t, b, errBackend)
	}
	for range 2 { // the last process's flush trips it; the second round reads it
		for _, b := range procs {
			syncNow(t, b)
		}
	}
	if s, _ := procs[0].State(); s != circuitbreaker.Open {
		t.Fatalf("after 4 failures across processes: state %v, want open", s)
	}
	var inFlight, peak, granted atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, b := range procs {
		for range 8 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					p, err := b.Acquire(context.Background())
					if err != nil {
						if !errors.Is(err, circuitbreaker.ErrOpen) {
							t.Error(err)
							return
						}
						time.Sleep(time.Millisecond) // a refused caller comes back later
						continue
					}
					trial := p.Token < 1<<48
					if trial {
						granted.Add(1)
						n := inFlight.Add(1)
						for {
							old := peak.Load()
							if n <= old || peak.CompareAndSwap(old, n) {
								break
							}
						}
						time.Sleep(20 * time.Millisecond) // the trial call, long enough for others to try meanwhile
						inFlight.Add(-1)
					}
					b.Release(p, messages.Success)
				}
			})
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		closed := 0
		for _, b := range procs {
			if s, _ := b.State(); s == circuitbreaker.Closed {
				closed++
			}
		}
		if closed == len(procs) {
			break
		}
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("the circuit did not close in every process (%d of %d)", closed, len(procs))
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d trials granted, at most %d in flight at once", granted.Load(), peak.Load())
	if peak.Load() > 2 || granted.Load() < 6 {
		t.Fatalf("trials: peak %d in flight (max 2), %d granted (at least 6 to close)", peak.Load(), granted.Load())
	}
}

// TestLeaseOfADeadHolderIsReclaimed: a trial whose process never reports
// holds its lease only until HalfOpenLease; then it counts as a failure
// and the circuit opens again.
func TestLeaseOfADeadHolderIsReclaimed(t *testing.T) {
	srv := redistest.Start(t, 0)
	cfg := Config{FlushInterval: 20 * time.Millisecond, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{FailureThreshold: 1,
		RecoveryTimeout: 100 * time.Millisecond, HalfOpenMaxCalls: 1, HalfOpenLease: 200 * time.Millisecond}}
	dead, _ := process(t, srv, cfg)
	alive, _ := process(t, srv, cfg)
	_ = call(t, dead, errBackend)
	syncNow(t, dead)
	syncNow(t, alive)
	deadline := time.Now().Add(5 * time.Second)
	for { // wait for the recovery timeout, then take the one trial and never report it
		if _, err := dead.Acquire(context.Background()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no trial was granted after the recovery timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var rej *messages.RejectedError
	if _, err := alive.Acquire(context.Background()); !errors.As(err, &rej) || rej.Reason != circuitbreaker.ReasonHalfOpenFull {
		t.Fatalf("a second trial while the lease is held: got %v, want %s", err, circuitbreaker.ReasonHalfOpenFull)
	}
	time.Sleep(250 * time.Millisecond) // the lease's time on the server's clock
	if _, err := alive.Acquire(context.Background()); !errors.As(err, &rej) || rej.Reason != circuitbreaker.ReasonOpen {
		t.Fatalf("after the lease ran out: got %v, want the circuit open again", err)
	}
}

// TestRedisDownFallsBackAndRejoins: with Redis gone, the local breaker
// decides alone and says so (Stats.Fallback, backend_error); no call waits
// on Redis; when Redis returns the process re-joins the shared state.
func TestRedisDownFallsBackAndRejoins(t *testing.T) {
	srv := redistest.Start(t, 0)
	b, _ := process(t, srv, Config{FlushInterval: LargestFlushInterval, Breaker: circuitbreaker.Config{FailureThreshold: 3}})
	sub, err := b.eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventBackendError}, Patterns: []string{Kind}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	syncNow(t, b)
	srv.Stop()
	syncNow(t, b)
	if st, _ := b.Stats(context.Background()); !st.Fallback || st.FlushErrors == 0 { // the first flush may come after the Sync
		t.Fatalf("Redis gone: stats %+v, want Fallback and a flush error", st)
	}
	select {
	case e := <-sub.C():
		if e.Name != "payments" || e.Fields.Err == "" {
			t.Fatalf("backend_error: got %v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no backend_error event")
	}
	start := time.Now()
	for range 3 {
		if err := call(t, b, errBackend); !errors.Is(err, errBackend) {
			t.Fatal(err)
		}
	}
	if err := call(t, b, nil); !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Fatalf("the local breaker alone, after 3 failures: got %v, want open", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("calls waited on the missing Redis: %v", took)
	}
	srv.Start()
	syncNow(t, b)
	if st, _ := b.Stats(context.Background()); st.Fallback || st.State != circuitbreaker.Closed {
		t.Fatalf("Redis back: stats %+v, want the shared state again", st)
	}
}

// TestFollowsThePublishedChange: a process follows a published change in
// about one round trip, not at its next flush.
func TestFollowsThePublishedChange(t *testing.T) {
	srv := redistest.Start(t, 0)
	cfg := Config{FlushInterval: LargestFlushInterval, FlushOutcomes: 1, Breaker: circuitbreaker.Config{FailureThreshold: 3}}
	a, _ := process(t, srv, cfg)
	b, _ := process(t, srv, cfg)
	syncNow(t, a)
	syncNow(t, b)
	for range 3 {
		_ = call(t, a, errBackend) // each failure is flushed at once (FlushOutcomes 1)
	}
	start := time.Now()
	for {
		if s, _ := b.State(); s == circuitbreaker.Open {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the other process did not follow within 5s (its FlushInterval is %v)", LargestFlushInterval)
		}
		time.Sleep(time.Millisecond) // polling another goroutine's progress on the real clock
	}
	t.Logf("followed %v after the third failure returned", time.Since(start))
}
