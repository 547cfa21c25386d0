package httpmw_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// The same per-route rate limit on the limiter shared through Redis: two
// middlewares (two replicas of a service) share each client's limit, and
// the refusal carries the same 429, Retry-After and RateLimit fields.
// Skipped when no Redis answers on 127.0.0.1:6379.
func TestRateLimitOnRedis(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	t.Cleanup(func() { client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		t.Skipf("no Redis on 127.0.0.1:6379: %v", err)
	}
	client7 := "client-" + strconv.FormatInt(time.Now().UnixNano(), 36) // a key no earlier run used
	l, err := redis.New(nil, "httpmw-test", client, redis.Config{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rates := httpmw.Rates{Routes: map[string]string{"GET /orders/{id}": "2/minute"}}
	var replicas []http.Handler
	for range 2 {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {})
		rates.Mux = mux
		mw := must(httpmw.RateLimit(l, rates, func(*http.Request) string { return client7 }, httpmw.Options{}))
		replicas = append(replicas, mw(mux))
	}
	var got []int
	for i := range 3 {
		w := serve(replicas[i%2], "/orders/7")
		got = append(got, w.Code)
		if w.Code == 429 && (w.Header().Get("Retry-After") == "" || w.Header().Get("RateLimit-Policy") != `"GET /orders/{id}";q=2;w=60`) {
			t.Fatalf("429 headers: %v", w.Header())
		}
	}
	if !slicesEqual(got, []int{200, 200, 429}) {
		t.Fatalf("two replicas on one Redis: got %v, want [200 200 429]", got)
	}
}

// TestRateBoundsOnRedis: NewRateGuard checks each rate against the limiter
// it is given, through ratelimit.Interface's Guard: a rate the local
// limiter holds but the Redis limiter cannot count exactly (a count above
// redis.LargestCount) is refused at construction on Redis, as a
// *ratelimit.RateError quoting it, and accepted locally. No Redis is
// needed: Guard does no I/O.
func TestRateBoundsOnRedis(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	t.Cleanup(func() { client.Close() })
	onRedis, err := redis.New(nil, "bounds", client, redis.Config{})
	if err != nil {
		t.Fatal(err)
	}
	local := must(ratelimit.New(enginetest.Start(t), "bounds", ratelimit.Config{}))
	rates := httpmw.Rates{Default: "1/s", Routes: map[string]string{"GET /bulk": "3000000000/hour"}}
	if _, err := httpmw.NewRateGuard(local, rates, nil); err != nil {
		t.Fatalf("the local limiter: %v", err)
	}
	_, err = httpmw.NewRateGuard(onRedis, rates, nil)
	var re *ratelimit.RateError
	if !errors.As(err, &re) || !errors.Is(err, messages.ErrInvalidConfig) || !strings.Contains(re.Input, "3000000000") {
		t.Fatalf("the Redis limiter, a count above redis.LargestCount: got %v, want a *ratelimit.RateError", err)
	}
	if _, err := httpmw.NewRateGuard(onRedis, httpmw.Rates{Default: "2147483647/hour"}, nil); err != nil {
		t.Fatalf("the Redis limiter, redis.LargestCount: %v", err)
	}
}
