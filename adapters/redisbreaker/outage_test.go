package redisbreaker

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// flushLedger is a go-redis hook that reads the flush scripts a client
// sends: the successes of the flushes Redis answered (acked) and of those
// it did not (unacked: Redis may or may not have counted them).
type flushLedger struct{ acked, unacked atomic.Int64 }

func (l *flushLedger) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (l *flushLedger) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
func (l *flushLedger) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		args := cmd.Args() // evalsha|eval, sha|script, 3, keys×3, successes, ...
		if len(args) < 7 {
			return err
		}
		switch fmt.Sprint(args[0]) {
		case "evalsha":
			if fmt.Sprint(args[1]) != flush.Hash() {
				return err
			}
		case "eval":
			sum := sha1.Sum([]byte(fmt.Sprint(args[1])))
			if hex.EncodeToString(sum[:]) != flush.Hash() {
				return err
			}
		default:
			return err
		}
		n, perr := strconv.ParseInt(fmt.Sprint(args[6]), 10, 64)
		if perr != nil {
			panic(fmt.Sprintf("flush successes %v: %v", args[6], perr))
		}
		switch {
		case err == nil:
			l.acked.Add(n)
		case goredis.HasErrorPrefix(err, "NOSCRIPT"): // not run; go-redis sends EVAL next
		default:
			l.unacked.Add(n)
		}
		return err
	}
}

// windowTotal sums the outcomes in b's shared window.
func windowTotal(t *testing.T, srv *redistest.Server, b *Breaker) int64 {
	t.Helper()
	window, err := srv.Client(t, nil).HGetAll(context.Background(), b.keys[1]).Result()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, v := range window {
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("window value %q: %v", v, err)
		}
		total += x
	}
	return total
}

// TestRedisKilledMidRunLosesNoFlushedCount: two processes call through a
// shared breaker on the real clock while their redis-server (persisting
// every write: appendfsync always) is killed and started again. Every
// outcome of a flush Redis answered is still in the shared window once it
// is back, none is counted twice (a flush that got no answer is counted
// at most once), and both processes re-join.
func TestRedisKilledMidRunLosesNoFlushedCount(t *testing.T) {
	srv := redistest.Start(t, 0, "--appendonly", "yes", "--appendfsync", "always", "--dir", t.TempDir())
	var ledgers [2]flushLedger
	var procs [2]*Breaker
	for i := range procs {
		c := srv.Client(t, nil)
		c.AddHook(&ledgers[i])
		b, err := New(enginetest.Start(t), "payments", c, Config{Prefix: t.Name(), FlushInterval: 5 * time.Millisecond,
			FlushOutcomes: 50, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		procs[i] = b
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, b := range procs {
		for range 8 {
			wg.Go(func() {
				for !stop.Load() {
					if err := call(t, b, nil); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	waitFlushes := func(min uint64) { // the flushers run on the real clock; wait for their progress, not a guessed time
		deadline := time.Now().Add(10 * time.Second)
		for {
			done := true
			for _, b := range procs {
				if st, _ := b.Stats(context.Background()); st.Flushes < min {
					done = false
				}
			}
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("fewer than %d flushes in 10 s", min)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFlushes(20)
	srv.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for { // both processes see the outage
		a, _ := procs[0].Stats(context.Background())
		b, _ := procs[1].Stats(context.Background())
		if a.Fallback && b.Fallback {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the processes did not fall back with Redis gone")
		}
		time.Sleep(time.Millisecond)
	}
	srv.Start()
	var before [2]uint64
	for i, b := range procs {
		st, _ := b.Stats(context.Background())
		before[i] = st.Flushes
	}
	waitFlushes(max(before[0], before[1]) + 20)
	stop.Store(true)
	wg.Wait()
	var acked, unacked, local int64
	for i, b := range procs {
		syncNow(t, b)
		st, err := b.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Fallback || st.FlushErrors == 0 {
			t.Fatalf("process %d after Redis returned: %+v, want re-joined after flush errors", i, st)
		}
		acked += ledgers[i].acked.Load()
		unacked += ledgers[i].unacked.Load()
		local += int64(st.Local.Succeeded)
	}
	total := windowTotal(t, srv, procs[0])
	if total < acked || total > acked+unacked || acked+unacked > local {
		t.Fatalf("shared window %d; flushed and answered %d, flushed unanswered %d, counted locally %d: want answered ≤ window ≤ answered+unanswered ≤ local",
			total, acked, unacked, local)
	}
	t.Logf("window %d, answered %d, unanswered %d, local %d", total, acked, unacked, local)
}

// TestRedisKilledWhileATrialIsLeased: a process holds the one half-open
// trial lease when the redis-server (persisting every write) is killed,
// and its report is lost with it. Once Redis is back the lease still
// bars a second trial until HalfOpenLease, is then reclaimed, and the
// circuit closes through a new trial with no lease left behind.
func TestRedisKilledWhileATrialIsLeased(t *testing.T) {
	srv := redistest.Start(t, 0, "--appendonly", "yes", "--appendfsync", "always", "--dir", t.TempDir())
	cfg := Config{FlushInterval: 20 * time.Millisecond, Timeout: 5 * time.Second, Breaker: circuitbreaker.Config{FailureThreshold: 1, SuccessThreshold: 1,
		RecoveryTimeout: 100 * time.Millisecond, HalfOpenMaxCalls: 1, HalfOpenLease: 2 * time.Second}}
	holder, _ := process(t, srv, cfg)
	other, _ := process(t, srv, cfg)
	_ = call(t, holder, errBackend)
	syncNow(t, holder)
	deadline := time.Now().Add(5 * time.Second)
	var p engine.Permit
	for { // wait for the recovery timeout on the server's clock, then take the trial
		var err error
		if p, err = holder.Acquire(context.Background()); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trial was granted after the recovery timeout: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.Stop()
	holder.Release(p, messages.Success) // its report cannot reach Redis
	srv.Start()
	// other's pooled connections died with the server, and its client does
	// not retry: use them up, then have other read the shared state (a
	// flush of its, prompted by the holder's trial, may have found Redis
	// down and put it in fallback, where its local breaker would grant the
	// trial).
	for ok, tries := 0, 0; ok < 5 && tries < 100; tries++ {
		if other.client.Ping(context.Background()).Err() == nil {
			ok++
		}
	}
	syncNow(t, other)
	var rej *messages.RejectedError
	if _, err := other.Acquire(context.Background()); !errors.As(err, &rej) || rej.Reason != circuitbreaker.ReasonHalfOpenFull {
		t.Fatalf("a second trial while the persisted lease is held: got %v, want %s", err, circuitbreaker.ReasonHalfOpenFull)
	}
	deadline = time.Now().Add(10 * time.Second)
	trials := 0
	for { // both processes take trials as they are granted until the circuit closes
		closed := 0
		for _, b := range []*Breaker{holder, other} {
			if p, err := b.Acquire(context.Background()); err == nil {
				if p.Token < 1<<48 {
					trials++
				}
				b.Release(p, messages.Success)
			} else if !errors.Is(err, circuitbreaker.ErrOpen) {
				t.Fatal(err)
			}
			syncNow(t, b)
			if st, _ := b.Stats(context.Background()); st.State == circuitbreaker.Closed && !st.Fallback {
				closed++
			}
		}
		if closed == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the circuit did not close in both processes after Redis returned (%d trials)", trials)
		}
		time.Sleep(5 * time.Millisecond)
	}
	leases, err := srv.Client(t, nil).ZCard(context.Background(), holder.keys[2]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if leases != 0 || trials == 0 {
		t.Fatalf("closed again with %d leases left and %d trials after Redis returned; want 0 leases, a trial", leases, trials)
	}
}
