package httpmw_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
)

// A circuit breaker in front of a handler: three 500s open it, and the next
// request is answered 503 with the remaining open time as Retry-After,
// without reaching the handler.
func ExampleGuard() {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng, _ := engine.New(engine.WithClock(clock))
	defer eng.Shutdown(context.Background())
	cb, _ := circuitbreaker.New(eng, "backend", circuitbreaker.Config{FailureThreshold: 3, RecoveryTimeout: 30 * time.Second})

	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	h := httpmw.Guard(cb, httpmw.Options{})(backend)

	for i := 0; i < 3; i++ {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders", nil))
	}
	_, _ = cb.Stats(context.Background()) // a round trip: the three one-way reports are applied
	clock.Advance(10 * time.Second)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/orders", nil))
	fmt.Println(w.Code, w.Header().Get("Retry-After"))
	fmt.Print(w.Body.String())
	// Output:
	// 503 20
	// {"error":"bulwark: circuit open","pattern":"circuitbreaker","name":"backend","reason":"open","retry_after_seconds":20}
}

// One middleware for several patterns: a per-client rate limit (2 a minute
// here) and a circuit breaker in one pass. The third request from the same
// client is refused with 429, Retry-After and the RateLimit fields; so is
// the fourth.
func ExampleCompose() {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng, _ := engine.New(engine.WithClock(clock))
	defer eng.Shutdown(context.Background())
	cb, _ := circuitbreaker.New(eng, "orders", circuitbreaker.Config{FailureThreshold: 5})
	limiter, _ := ratelimit.New(eng, "clients", ratelimit.Config{})
	perClient, _ := httpmw.NewRateGuard(limiter, httpmw.Rates{Default: "2/minute"}, nil) // key: the client's address
	mw, err := httpmw.Compose(engine.Policies[httpmw.Served]{CircuitBreaker: cb, RateLimiter: perClient}, httpmw.Options{})
	if err != nil {
		panic(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "order 42") }))

	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/orders/42", nil)) // from 192.0.2.1
		fmt.Print(w.Code, " ", w.Body.String())
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/orders/42", nil))
	for _, k := range []string{"Retry-After", "RateLimit", "RateLimit-Policy"} {
		fmt.Printf("%s: %s\n", k, w.Header().Get(k))
	}
	// Output:
	// 200 order 42
	// 200 order 42
	// 429 {"error":"bulwark: rate limited","pattern":"ratelimit","name":"clients","reason":"rate_limit_exceeded","retry_after_seconds":30}
	// Retry-After: 30
	// RateLimit: "default";r=0;t=30
	// RateLimit-Policy: "default";q=2;w=60
}
