package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"net/http"
	"net/http/httptest"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestOneInterface: the local and the Redis limiter, with their default
// Config, give the same answers to the same calls through
// ratelimit.Interface: the same grammar, the same default algorithm (GCRA),
// the same Result, reasons, RetryAfter and errors.
func TestOneInterface(t *testing.T) {
	srv := startServer(t, 0)
	limiters := map[string]func(t *testing.T) (ratelimit.Interface, *engine.FakeClock){
		"local": func(t *testing.T) (ratelimit.Interface, *engine.FakeClock) {
			clock := engine.NewFakeClock(epoch)
			l, err := ratelimit.New(newEngine(t, clock), "api", ratelimit.Config{})
			if err != nil {
				t.Fatal(err)
			}
			return l, clock
		},
		"redis": func(t *testing.T) (ratelimit.Interface, *engine.FakeClock) {
			clock := engine.NewFakeClock(epoch)
			l, err := redis.New(newEngine(t, clock), "api", srv.client(t), redis.Config{Now: clock.Now, Prefix: t.Name(), Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return l, clock
		},
	}
	for name, make := range limiters {
		t.Run(name, func(t *testing.T) {
			l, clock := make(t)
			ctx := context.Background()
			for i := range 2 {
				if err := l.Allow(ctx, "u", "2/second"); err != nil {
					t.Fatalf("call %d of the burst: %v", i+1, err)
				}
			}
			err := l.Allow(ctx, "u", "2/s")
			var rej *messages.RejectedError
			if !errors.As(err, &rej) || !errors.Is(err, ratelimit.ErrLimited) || rej.Reason != ratelimit.ReasonExceeded || rej.RetryAfter != 500*time.Millisecond {
				t.Fatalf("third call: got %v, want %s after 500ms", err, ratelimit.ReasonExceeded)
			}
			res, err := l.CheckRate(ctx, "u", ratelimit.Rate{Count: 2, Period: time.Second})
			if err != nil || res != (ratelimit.Result{Reason: ratelimit.ReasonExceeded, RetryAfter: 500 * time.Millisecond}) {
				t.Fatalf("CheckRate: got %+v, %v", res, err)
			}
			g, err := l.Guard("u", ratelimit.MustParseRate("2/second"))
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(500 * time.Millisecond)
			if res, err := g.Check(ctx); err != nil || !res.Allowed {
				t.Fatalf("KeyGuard.Check after the interval: got %+v, %v", res, err)
			}
			if _, err := g.Acquire(ctx); !errors.Is(err, ratelimit.ErrLimited) {
				t.Fatalf("KeyGuard.Acquire: got %v, want a refusal", err)
			}
			if g.Key() != "u" || g.Rate() != (ratelimit.Rate{Count: 2, Period: time.Second}) {
				t.Fatalf("KeyGuard: key %q rate %v", g.Key(), g.Rate())
			}
			var re *ratelimit.RateError
			if err := l.Allow(ctx, "u", "2/week"); !errors.As(err, &re) || re.Input != "2/week" {
				t.Fatalf("a malformed rate: got %v, want a *ratelimit.RateError quoting it", err)
			}
			if err := l.Wait(ctx, "v", "1/minute"); err != nil {
				t.Fatalf("Wait with a permit at hand: %v", err)
			}
		})
	}
}

// TestHTTPMiddlewareTakesRedis: httpmw.RateLimit runs on the Redis limiter:
// 429 with Retry-After for the key's limit, 503 when Redis is gone and the
// limiter fails closed.
func TestHTTPMiddlewareTakesRedis(t *testing.T) {
	srv := startServer(t, 0)
	l, err := redis.New(enginetest.Start(t), "api", srv.client(t), redis.Config{Prefix: t.Name(), FailMode: redis.FailClosed, Timeout: 5 * time.Second}) // a loaded machine must not fail the healthy requests
	if err != nil {
		t.Fatal(err)
	}
	mw, err := httpmw.RateLimit(l, httpmw.Rates{Default: "1/minute"}, func(*http.Request) string { return "client" }, httpmw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	serve := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api", nil))
		return w
	}
	if w := serve(); w.Code != http.StatusOK {
		t.Fatalf("first request: got %d", w.Code)
	}
	if w := serve(); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("second request: got %d, Retry-After %q; want 429 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	srv.stop()
	if w := serve(); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("Redis gone, FailClosed: got %d, want 503", w.Code)
	}
}
