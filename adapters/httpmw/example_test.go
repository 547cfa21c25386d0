package httpmw_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
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
