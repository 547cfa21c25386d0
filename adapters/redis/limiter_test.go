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
func limiter(t *testing.T, srv *server, alg redis.Algorithm) (*redis.Limiter, *engine.FakeClock) {
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
	alg  redis.Algorithm
}{{"sliding", redis.SlidingWindow}, {"gcra", redis.GCRA}}

func outcomes(l *redis.Limiter, n int, key string, limit int, period time.Duration) (allowed int, last error) {
	for i := 0; i < n; i++ {
		if err := l.Allow(context.Background(), key, limit, period); err == nil {
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
			if a.alg == redis.GCRA {
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
	l, clock := limiter(t, srv, redis.SlidingWindow)
	// 10 requests a second against 5/second for 3 seconds: the original
	// recorded rejections too and locked the client out after the first
	// second; here each second admits 5 again.
	for sec := 0; sec < 3; sec++ {
		allowed := 0
		for i := 0; i < 10; i++ {
			if l.Allow(context.Background(), "k", 5, time.Second) == nil {
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
					if l.Allow(context.Background(), "burst", 50, time.Minute) == nil {
						allowed.Add(1)
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != 50 {
				t.Fatalf("got %d allowed, want exactly 50 (stats %+v)", allowed.Load(), l.Stats())
			}
			st := l.Stats()
			if st.Allowed != 50 || st.Rejected != 150 {
				t.Fatalf("stats: got %+v", st)
			}
		})
	}
}

func TestKeysAndRatesAreIndependent(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, redis.SlidingWindow)
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
		if err := l.Allow(context.Background(), "user_123", 100, time.Minute); err != nil {
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
		if err := open.Allow(context.Background(), "k", 1, time.Second); err != nil {
			t.Fatalf("fail-open: got %v", err)
		}
		err := closed.Allow(context.Background(), "k", 1, time.Second)
		var rej *messages.RejectedError
		if !errors.As(err, &rej) || rej.Reason != redis.ReasonBackendUnavailable || !errors.Is(err, messages.ErrRateLimited) {
			t.Fatalf("fail-closed: got %v", err)
		}
	}
	if st := open.Stats(); st.BackendErrors != 3 || st.FailedOpen != 3 {
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
	if err := closed.Allow(context.Background(), "k", 1, time.Second); err != nil {
		t.Fatalf("after recovery: got %v", err)
	}
	if err := closed.Allow(context.Background(), "k", 1, time.Second); !errors.Is(err, messages.ErrRateLimited) {
		t.Fatalf("after recovery the limit applies again: got %v", err)
	}
}

func TestCancelledCallerIsNotABackendError(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, redis.SlidingWindow)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Allow(ctx, "k", 1, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if st := l.Stats(); st.BackendErrors != 0 {
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
	if err := l.Allow(context.Background(), "k", 0, time.Second); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("limit 0: got %v", err)
	}
	if err := l.Allow(context.Background(), "k", 1, 0); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("period 0: got %v", err)
	}
}

func TestAllowRateParsesTheSharedGrammar(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, redis.GCRA)
	for i, want := range []bool{true, true, false} {
		err := l.AllowRate(context.Background(), "u", "2/minutes")
		if (err == nil) != want {
			t.Fatalf("call %d: got %v", i, err)
		}
	}
	for _, bad := range []string{"10/week", "abc", "0/second", "-1/s"} {
		if err := l.AllowRate(context.Background(), "u", bad); !errors.Is(err, messages.ErrInvalidConfig) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: got %v, want an error quoting it", bad, err)
		}
	}
}
