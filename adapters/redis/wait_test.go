package redis_test

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// waiting starts Wait on l for key under 1/second and returns its result
// channel once its timer is armed (n timers in all).
func waiting(t *testing.T, ctx context.Context, l *redis.Limiter, clock *engine.FakeClock, key string, n int) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx, key, "1/second") }()
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.WaitForTimers(wctx, n); err != nil {
		t.Fatalf("waiting for %d timers (have %d): %v", n, clock.Timers(), err)
	}
	return done
}

func pending(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s returned before its time: %v", what, err)
	default:
	}
}

// TestWaitReservesInOrder: under GCRA, Waits reserve the key's next
// permits on the server in the order they came and wake at their times on
// the engine's clock.
func TestWaitReservesInOrder(t *testing.T) {
	srv := startServer(t, 0)
	l, clock := limiter(t, srv, ratelimit.GCRA)
	ctx := context.Background()
	if err := l.Wait(ctx, "k", "1/second"); err != nil { // the burst: at once
		t.Fatalf("first Wait: %v", err)
	}
	base := clock.Timers()
	a := waiting(t, ctx, l, clock, "k", base+1)
	b := waiting(t, ctx, l, clock, "k", base+2)
	clock.Advance(time.Second - time.Microsecond)
	pending(t, a, "the second Wait")
	clock.Advance(time.Microsecond)
	if err := <-a; err != nil {
		t.Fatalf("second Wait: %v", err)
	}
	pending(t, b, "the third Wait")
	clock.Advance(time.Second)
	if err := <-b; err != nil {
		t.Fatalf("third Wait: %v", err)
	}
	res, err := l.Check(ctx, "k", "1/second")
	if err != nil || res.Allowed || res.RetryAfter != time.Second {
		t.Fatalf("Check after three permits in 2s: got %+v, %v; want a refusal for 1s", res, err)
	}
	if st := stats(t, l); st.Accepted != 3 || st.Rejected != 1 {
		t.Fatalf("stats: got %+v, want 3 accepted, 1 rejected", st)
	}
}

// TestWaitCancelGivesBack: a cancelled Wait gives its permit back when no
// later reservation depends on it, and keeps it otherwise (as the local
// limiter and x/time/rate's Reservation.Cancel).
func TestWaitCancelGivesBack(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	t.Run("last", func(t *testing.T) {
		l, clock := limiter(t, srv, ratelimit.GCRA)
		if err := l.Allow(ctx, "k", "1/second"); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithCancel(ctx)
		done := waiting(t, wctx, l, clock, "k", clock.Timers()+1)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Wait: got %v, want context.Canceled", err)
		}
		clock.Advance(time.Second)
		if err := l.Allow(ctx, "k", "1/second"); err != nil {
			t.Fatalf("the cancelled reservation was not given back: %v", err)
		}
		if st := stats(t, l); st.Cancelled != 1 || st.Accepted != 2 {
			t.Fatalf("stats: got %+v, want 1 cancelled, 2 accepted", st)
		}
	})
	t.Run("behind another", func(t *testing.T) {
		l, clock := limiter(t, srv, ratelimit.GCRA)
		if err := l.Allow(ctx, "k", "1/second"); err != nil {
			t.Fatal(err)
		}
		base := clock.Timers()
		wctx, cancel := context.WithCancel(ctx)
		a := waiting(t, wctx, l, clock, "k", base+1)
		b := waiting(t, ctx, l, clock, "k", base+2)
		cancel()
		if err := <-a; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Wait: got %v", err)
		}
		clock.Advance(2 * time.Second)
		if err := <-b; err != nil {
			t.Fatalf("the Wait behind it: %v", err)
		}
		// b's permit was at 2s, so the key's next is at 3s: a's permit,
		// with b behind it, was not given back (no two waiters share one).
		res, err := l.Check(ctx, "k", "1/second")
		if err != nil || res.Allowed || res.RetryAfter != time.Second {
			t.Fatalf("Check: got %+v, %v; want a refusal for 1s", res, err)
		}
	})
}

// TestWaitDeadline: a Wait that would outlast its context fails at once
// with ReasonDeadline and the exact wait, consuming nothing.
func TestWaitDeadline(t *testing.T) {
	srv := startServer(t, 0)
	for _, a := range algorithms {
		t.Run(a.name, func(t *testing.T) {
			clock := engine.NewFakeClock(time.Now()) // deadlines are wall-clock times
			eng := newEngine(t, clock)
			l, err := redis.New(eng, "api", srv.client(t), redis.Config{Algorithm: a.alg, Now: clock.Now, Prefix: t.Name(), Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := l.Allow(ctx, "k", "1/minute"); err != nil {
				t.Fatal(err)
			}
			dctx, cancel := context.WithTimeout(ctx, time.Minute/2)
			defer cancel()
			err = l.Wait(dctx, "k", "1/minute")
			var rej *messages.RejectedError
			if !errors.As(err, &rej) || rej.Reason != ratelimit.ReasonDeadline || rej.RetryAfter != time.Minute {
				t.Fatalf("got %v, want a %s refusal with RetryAfter 1m", err, ratelimit.ReasonDeadline)
			}
			clock.Advance(time.Minute)
			if err := l.Allow(ctx, "k", "1/minute"); err != nil {
				t.Fatalf("the refused Wait consumed a permit: %v", err)
			}
			want := map[string]uint64{ratelimit.ReasonDeadline: 1}
			if st := stats(t, l); st.Accepted != 2 || !maps.Equal(st.RejectedBy, want) {
				t.Fatalf("stats: got %+v, want 2 accepted, rejected by %v", st, want)
			}
		})
	}
}

// TestWaitFailMode: with Redis gone, Wait does what Allow does.
func TestWaitFailMode(t *testing.T) {
	srv := startServer(t, 0)
	eng := enginetest.Start(t)
	open, err := redis.New(eng, "open", srv.client(t), redis.Config{})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := redis.New(eng, "closed", srv.client(t), redis.Config{FailMode: redis.FailClosed})
	if err != nil {
		t.Fatal(err)
	}
	srv.stop()
	ctx := context.Background()
	if err := open.Wait(ctx, "k", "1/minute"); err != nil {
		t.Fatalf("FailOpen: got %v, want an admission", err)
	}
	var rej *messages.RejectedError
	if err := closed.Wait(ctx, "k", "1/minute"); !errors.As(err, &rej) || rej.Reason != redis.ReasonBackendUnavailable {
		t.Fatalf("FailClosed: got %v, want a %s refusal", err, redis.ReasonBackendUnavailable)
	}
}

// TestWaitStops: a Wait waiting when the engine stops returns ErrStopped.
func TestWaitStops(t *testing.T) {
	srv := startServer(t, 0)
	clock := engine.NewFakeClock(epoch)
	eng, err := engine.New(engine.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	l, err := redis.New(eng, "api", srv.client(t), redis.Config{Now: clock.Now, Prefix: t.Name(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Allow(context.Background(), "k", "1/second"); err != nil {
		t.Fatal(err)
	}
	done := waiting(t, context.Background(), l, clock, "k", clock.Timers()+1)
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Wait at Shutdown: got %v, want ErrStopped", err)
	}
}

// TestGuardComposes: the Redis limiter's KeyGuard is the engine.Guard of
// engine.Compose's rate-limiter stage.
func TestGuardComposes(t *testing.T) {
	srv := startServer(t, 0)
	l, _ := limiter(t, srv, ratelimit.GCRA)
	g, err := l.Guard("user", ratelimit.MustParseRate("2/minute"))
	if err != nil {
		t.Fatal(err)
	}
	c := engine.Compose(engine.Policies[int]{RateLimiter: g})
	calls := 0
	for range 3 {
		_, err = c.Get(context.Background(), func(context.Context) (int, error) { calls++; return calls, nil })
	}
	if calls != 2 || !errors.Is(err, messages.ErrRateLimited) {
		t.Fatalf("2/minute composed over 3 calls: got %d calls, last error %v", calls, err)
	}
	if _, err := l.Guard("user", ratelimit.Rate{Count: 1, Period: 1500 * time.Nanosecond}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("Guard with a period Redis cannot count: got %v", err)
	}
}
