package redis_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newEngine(t testing.TB, clock engine.Clock) *engine.Engine {
	return enginetest.Start(t, engine.WithClock(clock))
}

// limiter returns a limiter on its own server whose time is the fake clock's.
// Its Timeout is generous: the tests that use it count decisions, and a
// loaded machine must not turn them into timeouts or busy refusals.
func limiter(t *testing.T, srv *server, alg ratelimit.Algorithm) (*redis.Limiter, *engine.FakeClock) {
	t.Helper()
	clock := engine.NewFakeClock(epoch)
	l, err := redis.New(newEngine(t, clock), "api", srv.client(t), redis.Config{Algorithm: alg, Now: clock.Now, Prefix: t.Name(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return l, clock
}

var algorithms = []struct {
	name string
	alg  ratelimit.Algorithm
}{{"sliding", ratelimit.SlidingWindow}, {"gcra", ratelimit.GCRA}}

func outcomes(l *redis.Limiter, n int, key string, limit int, period time.Duration) (allowed int, last error) {
	for i := 0; i < n; i++ {
		if err := l.AllowRate(context.Background(), key, rate(limit, period)); err == nil {
			allowed++
		} else {
			last = err
		}
	}
	return allowed, last
}

func TestBurstThenRefill(t *testing.T) {
	srv := startServer(t, 0)
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			l, clock := limiter(t, srv, a.alg)
			allowed, err := outcomes(l, 5, "user", 2, time.Second)
			if allowed != 2 {
				t.Fatalf("2/second over 5 calls: got %d allowed, want 2", allowed)
			}
			if !errors.Is(err, messages.ErrRateLimited) {
				t.Fatalf("rejection: got %v", err)
			}
			wait, _ := messages.RetryAfter(err)
			// Sliding window: both admissions age out together after 1 s.
			// GCRA: one slot comes back every 500 ms.
			want := time.Second
			if a.alg == ratelimit.GCRA {
				want = 500 * time.Millisecond
			}
			if wait != want {
				t.Fatalf("RetryAfter: got %v, want %v", wait, want)
			}
			clock.Advance(wait - time.Microsecond)
			if got, _ := outcomes(l, 1, "user", 2, time.Second); got != 0 {
				t.Fatal("admitted before RetryAfter")
			}
			clock.Advance(time.Microsecond)
			if got, _ := outcomes(l, 1, "user", 2, time.Second); got != 1 {
				t.Fatal("not admitted at RetryAfter")
			}
		})
	}
}

func TestRejectedRequestsDoNotConsumeQuota(t *testing.T) {
	srv := startServer(t, 0)
	l, clock := limiter(t, srv, ratelimit.SlidingWindow)
	// 10 requests a second against 5/second for 3 seconds: the original
	// recorded rejections too and locked the client out after the first
	// second; here each second admits 5 again.
	for sec := 0; sec < 3; sec++ {
		allowed := 0
		for i := 0; i < 10; i++ {
			if l.AllowRate(context.Background(), "k", rate(5, time.Second)) == nil {
				allowed++
			}
			clock.Advance(100 * time.Millisecond)
		}
		if allowed != 5 {
			t.Fatalf("second %d: got %d allowed, want 5", sec, allowed)
		}
	}
}

func TestSameInstantBurstIsExact(t *testing.T) {
	srv := startServer(t, 0)
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			l, _ := limiter(t, srv, a.alg) // the fake clock never moves: every request is in one microsecond
			var allowed atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < 200; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if l.AllowRate(context.Background(), "burst", rate(50, time.Minute)) == nil {
						allowed.Add(1)
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != 50 {
				t.Fatalf("got %d allowed, want exactly 50 (stats %+v)", allowed.Load(), stats(t, l))
			}
			st := stats(t, l)
			if st.Accepted != 50 || st.Rejected != 150 {
				t.Fatalf("stats: got %+v", st)
			}
		})
	}
}

func TestKeysAndRatesAreIndependent(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, ratelimit.SlidingWindow)
	if got, _ := outcomes(l, 3, "alice", 2, time.Second); got != 2 {
		t.Fatalf("alice: got %d", got)
	}
	if got, _ := outcomes(l, 3, "bob", 2, time.Second); got != 2 {
		t.Fatalf("bob: got %d", got)
	}
	if got, _ := outcomes(l, 3, "alice", 3, time.Minute); got != 3 {
		t.Fatalf("alice under another rate: got %d", got)
	}
}

func TestKeysCarryPrefixAndHashTagAndExpire(t *testing.T) {
	srv := startServer(t, 0)
	c := srv.client(t)
	for _, a := range algorithms {
		l, err := redis.New(nil, "api", c, redis.Config{Algorithm: a.alg})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.AllowRate(context.Background(), "user_123", rate(100, time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"bulwark:ratelimit:{user_123}:100/60000000:log":  true,
		"bulwark:ratelimit:{user_123}:100/60000000:seq":  true,
		"bulwark:ratelimit:{user_123}:100/60000000:gcra": true,
	}
	if len(keys) != len(want) {
		t.Fatalf("keys: got %v", keys)
	}
	for _, k := range keys {
		if !want[k] {
			t.Fatalf("unexpected key %q", k)
		}
		ttl, err := c.PTTL(context.Background(), k).Result()
		if err != nil || ttl <= 0 || ttl > 62*time.Second {
			t.Fatalf("key %s: ttl %v, %v", k, ttl, err)
		}
	}
}

func TestFailOpenAndClosedThenRecover(t *testing.T) {
	srv := startServer(t, 0)
	clock := engine.NewFakeClock(epoch)
	eng := newEngine(t, clock)
	errorsSeen, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventBackendError}}, 16)
	if err != nil {
		t.Fatal(err)
	}
	c := srv.client(t)
	open, _ := redis.New(eng, "open", c, redis.Config{Now: clock.Now})
	closed, _ := redis.New(eng, "closed", c, redis.Config{Now: clock.Now, FailMode: redis.FailClosed})

	srv.stop() // Redis goes away
	for i := 0; i < 3; i++ {
		if err := open.AllowRate(context.Background(), "k", rate(1, time.Second)); err != nil {
			t.Fatalf("fail-open: got %v", err)
		}
		err := closed.AllowRate(context.Background(), "k", rate(1, time.Second))
		var rej *messages.RejectedError
		if !errors.As(err, &rej) || rej.Reason != redis.ReasonBackendUnavailable || !errors.Is(err, messages.ErrRateLimited) {
			t.Fatalf("fail-closed: got %v", err)
		}
	}
	if st := stats(t, open); st.BackendErrors != 3 || st.FailedOpen != 3 {
		t.Fatalf("open stats: got %+v", st)
	}
	// One event a second per limiter, not one per failure.
	for _, name := range []string{"open", "closed"} {
		ev := <-errorsSeen.C()
		if ev.Pattern != redis.Kind || ev.Fields.Err == "" {
			t.Fatalf("%s: backend_error event %v", name, ev)
		}
	}
	if n := len(errorsSeen.C()); n != 0 {
		t.Fatalf("got %d more backend_error events within the second", n)
	}

	srv.start() // Redis is back: decisions go to it again with no intervention
	if err := closed.AllowRate(context.Background(), "k", rate(1, time.Second)); err != nil {
		t.Fatalf("after recovery: got %v", err)
	}
	if err := closed.AllowRate(context.Background(), "k", rate(1, time.Second)); !errors.Is(err, messages.ErrRateLimited) {
		t.Fatalf("after recovery the limit applies again: got %v", err)
	}
}

func TestCancelledCallerIsNotABackendError(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, ratelimit.SlidingWindow)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.AllowRate(ctx, "k", rate(1, time.Second)); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if st := stats(t, l); st.BackendErrors != 0 {
		t.Fatalf("stats: got %+v", st)
	}
}

func TestBadArguments(t *testing.T) {
	srv := startServer(t, 0)
	c := srv.client(t)
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"empty name", func() error { _, err := redis.New(nil, " ", c, redis.Config{}); return err }()},
		{"nil client", func() error { _, err := redis.New(nil, "x", nil, redis.Config{}); return err }()},
		{"bad algorithm", func() error { _, err := redis.New(nil, "x", c, redis.Config{Algorithm: 9}); return err }()},
		{"negative timeout", func() error { _, err := redis.New(nil, "x", c, redis.Config{Timeout: -1}); return err }()},
	} {
		if !errors.Is(tc.err, messages.ErrInvalidConfig) {
			t.Errorf("%s: got %v", tc.name, tc.err)
		}
	}
	l, _ := redis.New(nil, "x", c, redis.Config{})
	if err := l.AllowRate(context.Background(), "k", rate(0, time.Second)); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("limit 0: got %v", err)
	}
	if err := l.AllowRate(context.Background(), "k", rate(1, 0)); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("period 0: got %v", err)
	}
}

func TestAllowRateParsesTheSharedGrammar(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, ratelimit.GCRA)
	for i, want := range []bool{true, true, false} {
		err := l.Allow(context.Background(), "u", "2/minutes")
		if (err == nil) != want {
			t.Fatalf("call %d: got %v", i, err)
		}
	}
	for _, bad := range []string{"10/week", "abc", "0/second", "-1/s"} {
		if err := l.Allow(context.Background(), "u", bad); !errors.Is(err, messages.ErrInvalidConfig) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: got %v, want an error quoting it", bad, err)
		}
	}
}

// rate is the Rate of limit events per period.
func rate(limit int, period time.Duration) ratelimit.Rate {
	return ratelimit.Rate{Count: int64(limit), Period: period}
}

// stats returns l's counters.
func stats(t testing.TB, l *redis.Limiter) redis.Stats {
	t.Helper()
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st
}
