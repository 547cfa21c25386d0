package stress

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// redisAddr is the Redis the distributed stress tests use.
const redisAddr = "127.0.0.1:6379"

// redisClient returns a client of redisAddr that the test closes, or skips
// the test if no Redis answers there.
func redisClient(t *testing.T) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: redisAddr, ContextTimeoutEnabled: true, PoolSize: 32})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		t.Skipf("no Redis on %s: %v", redisAddr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRedisLimiterWaitRealClock: four Redis limiters (as four processes,
// each with its own client) and 64 goroutines share one key on the real
// clock. They Wait (some until granted, some giving up at a random moment,
// some with a deadline that is often too close) and Allow, mixed. However
// reservations, give-backs and admissions interleave on the server, no
// interval [a, b] holds more grants than Count + floor((b-a)*Count/Period)
// (+1 for the server's microsecond clock), and every call is counted once,
// under its outcome. The limiters fail closed: a decision Redis did not
// make in time (a caller's deadline passing during the script on this
// loaded machine) must not admit, or the bound would not be the server's
// to keep.
//
// The run lasts at least minRun and goes on until it has exercised every
// path the bound depends on — more grants than Count, a deadline refusal,
// a reservation given back by a waiter that gave up — which on a loaded
// machine can take longer; it fails if they have not all happened by
// maxRun.
func TestRedisLimiterWaitRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	const minRun, maxRun = 1500 * time.Millisecond, 60 * time.Second
	eng := enginetest.Start(t)
	prefix := fmt.Sprintf("bulwark-stress-%d", time.Now().UnixNano())
	limiters := make([]*redis.Limiter, 4)
	for i := range limiters {
		l, err := redis.New(eng, fmt.Sprint("p", i), redisClient(t), redis.Config{Prefix: prefix, Timeout: 5 * time.Second, FailMode: redis.FailClosed})
		if err != nil {
			t.Fatal(err)
		}
		limiters[i] = l
	}
	rate := ratelimit.Rate{Count: 20, Period: 100 * time.Millisecond}
	var (
		mu                          sync.Mutex
		all                         []grant
		granted                     atomic.Int64
		cancelled, deadline, denied atomic.Int64
		undecided                   atomic.Int64
	)
	givenBack := func() (n uint64) { // reservations the limiters took back from waiters that gave up
		for _, l := range limiters {
			st, _ := l.Stats(context.Background())
			n += st.Cancelled
		}
		return n
	}
	exercised := func() bool {
		return granted.Load() > rate.Count && deadline.Load() > 0 && givenBack() > 0
	}
	start := time.Now()
	var over atomic.Bool
	done := func() bool {
		if over.Load() {
			return true
		}
		if d := time.Since(start); d >= maxRun || d >= minRun && exercised() {
			over.Store(true)
		}
		return over.Load()
	}
	var wg sync.WaitGroup
	for w := range 64 {
		l := limiters[w%len(limiters)]
		wg.Go(func() {
			var mine []grant
			for failed := false; !done() && !failed; {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				switch w % 4 {
				case 1: // a waiter that gives up: no deadline to refuse it for, so it is queued and then cancelled
					var giveUp context.CancelCauseFunc
					ctx, giveUp = context.WithCancelCause(ctx)
					timer := time.AfterFunc(time.Duration(rand.IntN(30_000))*time.Microsecond, func() { giveUp(errGaveUp) })
					cancel = func() { timer.Stop(); giveUp(nil) }
				case 2: // a waiter whose deadline is often too close
					ctx, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
				}
				from := time.Since(start)
				var err error
				if w%4 == 3 {
					err = l.AllowRate(ctx, "hot", rate)
				} else {
					err = l.WaitRate(ctx, "hot", rate)
				}
				to := time.Since(start)
				cancel()
				var rej *messages.RejectedError
				switch {
				case err == nil:
					mine = append(mine, grant{from, to})
					granted.Add(1)
				case errors.As(err, &rej) && rej.Reason == ratelimit.ReasonDeadline:
					deadline.Add(1)
				case errors.As(err, &rej) && rej.Reason == ratelimit.ReasonExceeded:
					denied.Add(1)
				case messages.Undecided(err):
					undecided.Add(1) // busy or fail-closed: the caller's deadline passed during the script
				case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
					cancelled.Add(1) // the context ended before or while the call waited
				default:
					t.Errorf("worker %d: %v", w, err)
					failed = true
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	n, a, b, bound := worstInterval(all, rate)
	t.Logf("%v: %d grants, %d deadline refusals, %d cancelled (%d given back), %d Allow refusals, %d undecided; worst interval [%v, %v] holds %d of %d",
		time.Since(start).Round(time.Millisecond), len(all), deadline.Load(), cancelled.Load(), givenBack(), denied.Load(), undecided.Load(), a, b, n, bound)
	if n > bound+1 {
		t.Errorf("the interval [%v, %v] holds %d grants; the rate allows %d", a, b, n, bound)
	}
	var st redis.Stats
	for _, l := range limiters {
		s, err := l.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st.Accepted += s.Accepted
		st.Cancelled += s.Cancelled
		st.Rejected += s.Rejected
	}
	// A context that ended before the script ran is not a wait, so
	// Cancelled may count fewer than the callers saw.
	refused := deadline.Load() + denied.Load() + undecided.Load()
	if st.Accepted != uint64(len(all)) || st.Cancelled > uint64(cancelled.Load()) || st.Rejected != uint64(refused) {
		t.Errorf("stats: got %+v; the callers saw %d granted, %d cancelled, %d refused", st, len(all), cancelled.Load(), refused)
	}
	if !exercised() {
		t.Errorf("the run did not exercise every path in %v: %d grants, %d deadline refusals, %d reservations given back", maxRun, len(all), deadline.Load(), st.Cancelled)
	}
}

var errGaveUp = errors.New("gave up")

// TestRedisLimiterLocalBatchRealClock: four Redis limiters with the local
// token cache (LocalBatch 8, LocalHold 50 ms) and 64 goroutines share one
// key on the real clock. No interval [a, b] holds more grants than
// Count + floor((b-a+LocalHold)*Count/Period) (+1 for the server's
// microsecond clock): the documented price of the cache, and no more.
func TestRedisLimiterLocalBatchRealClock(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock stress")
	}
	eng := enginetest.Start(t)
	prefix := fmt.Sprintf("bulwark-stress-batch-%d", time.Now().UnixNano())
	const hold = 50 * time.Millisecond
	rate := ratelimit.Rate{Count: 20, Period: 100 * time.Millisecond}
	limiters := make([]*redis.Limiter, 4)
	for i := range limiters {
		l, err := redis.New(eng, fmt.Sprint("p", i), redisClient(t), redis.Config{Prefix: prefix, Timeout: 5 * time.Second,
			FailMode: redis.FailClosed, LocalBatch: 8, LocalHold: hold})
		if err != nil {
			t.Fatal(err)
		}
		limiters[i] = l
	}
	run, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	var (
		mu  sync.Mutex
		all []grant
	)
	var wg sync.WaitGroup
	for w := range 64 {
		l := limiters[w%len(limiters)]
		wg.Go(func() {
			var mine []grant
			for run.Err() == nil {
				from := time.Since(start)
				err := l.AllowRate(context.Background(), "hot", rate)
				to := time.Since(start)
				switch {
				case err == nil:
					mine = append(mine, grant{from, to})
				case errors.Is(err, ratelimit.ErrLimited):
				default:
					t.Errorf("worker %d: %v", w, err)
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	n, a, b, bound := worstInterval(all, rate)
	extra := int(int64(hold) * rate.Count / int64(rate.Period))
	t.Logf("%d grants; worst interval [%v, %v] holds %d, %d without the cache's %d", len(all), a, b, n, bound, extra)
	if n > bound+extra+1 {
		t.Errorf("the interval [%v, %v] holds %d grants; the cache's bound is %d", a, b, n, bound+extra)
	}
}
