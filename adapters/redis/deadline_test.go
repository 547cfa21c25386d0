package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/messages"
)

// pauseRedis makes srv unresponsive for 2 s: CLIENT PAUSE holds every
// other client's commands (replies come late, as from a slow server), and
// has begun when it returns.
func pauseRedis(t *testing.T, srv *server) {
	t.Helper()
	c := srv.clientWith(t, func(o *goredis.Options) {})
	if err := c.Do(context.Background(), "CLIENT", "PAUSE", "2000", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
}

// TestSlowRedisDecisionReturnsByDeadline: with Redis asleep, every decision
// returns by min(ctx deadline, Config.Timeout), then applies the fail mode;
// a fail-closed refusal says the backend is unavailable and why.
func TestSlowRedisDecisionReturnsByDeadline(t *testing.T) {
	const slack = 400 * time.Millisecond // scheduling on a shared, raced machine
	for _, tc := range []struct {
		name     string
		mode     redis.FailMode
		ctxAfter time.Duration
		bound    time.Duration
	}{
		{"open, Timeout first", redis.FailOpen, 300 * time.Millisecond, 100 * time.Millisecond},
		{"closed, Timeout first", redis.FailClosed, 300 * time.Millisecond, 100 * time.Millisecond},
		{"open, ctx first", redis.FailOpen, 50 * time.Millisecond, 50 * time.Millisecond},
		{"closed, ctx first", redis.FailClosed, 50 * time.Millisecond, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, 0)
			c := srv.client(t)
			l, err := redis.New(nil, "api", c, redis.Config{FailMode: tc.mode, Timeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Ping(context.Background()).Err(); err != nil { // a pooled connection, so the sleep is what is slow
				t.Fatal(err)
			}
			pauseRedis(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), tc.ctxAfter)
			defer cancel()
			start := time.Now()
			err = l.AllowRate(ctx, "k", rate(5, time.Minute))
			if took := time.Since(start); took > tc.bound+slack {
				t.Fatalf("Allow took %v, want at most %v", took, tc.bound)
			}
			if st := stats(t, l); st.BackendErrors != 1 {
				t.Fatalf("BackendErrors: got %d, want 1", st.BackendErrors)
			}
			if tc.mode == redis.FailOpen {
				if err != nil {
					t.Fatalf("fail-open: got %v, want nil", err)
				}
				return
			}
			var rej *messages.RejectedError
			if !errors.As(err, &rej) || rej.Reason != "backend_unavailable" {
				t.Fatalf("fail-closed: got %v, want reason backend_unavailable", err)
			}
			if !strings.Contains(err.Error(), "timeout") {
				t.Fatalf("fail-closed: got %q, want the cause (timeout)", err)
			}
		})
	}
}

// TestClientThatIgnoresDeadlinesIsRefused: a client that would hold a
// decision past its deadline (go-redis without ContextTimeoutEnabled, or with
// socket deadlines disabled) is refused by New with an error that names the
// option to set.
func TestClientThatIgnoresDeadlinesIsRefused(t *testing.T) {
	srv := startServer(t, 0)
	for _, tc := range []struct {
		name   string
		set    func(*goredis.Options)
		option string
	}{
		{"ContextTimeoutEnabled false", func(o *goredis.Options) {}, "ContextTimeoutEnabled"},
		{"ReadTimeout -2", func(o *goredis.Options) { o.ContextTimeoutEnabled = true; o.ReadTimeout = -2 }, "ReadTimeout"},
		{"WriteTimeout -2", func(o *goredis.Options) { o.ContextTimeoutEnabled = true; o.WriteTimeout = -2 }, "WriteTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redis.New(nil, "api", srv.clientWith(t, tc.set), redis.Config{})
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.option) {
				t.Fatalf("got %v, want a ConfigError naming %s", err, tc.option)
			}
		})
	}
}
