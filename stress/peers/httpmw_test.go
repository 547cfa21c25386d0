package peers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	fsbulkhead "github.com/failsafe-go/failsafe-go/bulkhead"
	fsbreaker "github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafehttp"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
)

type discardW struct{ h http.Header }

func (w *discardW) Header() http.Header         { return w.h }
func (w *discardW) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardW) WriteHeader(int)             {}

var okBody = []byte("ok")

func okHandler(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200); w.Write(okBody) }

func runHTTP(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest(http.MethodGet, "/api/orders", nil)
		w := &discardW{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

func BenchmarkHTTPMiddleware(b *testing.B) {
	b.Run("bulwark", benchHTTPBulwark)
	b.Run("failsafe", benchHTTPFailsafe)
}

// Breaker + bulkhead around one handler: Bulwark's composite middleware.
func benchHTTPBulwark(b *testing.B) {
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Shutdown(context.Background()) })
	cb, err := circuitbreaker.New(eng, "http", circuitbreaker.Config{})
	if err != nil {
		b.Fatal(err)
	}
	bh, err := bulkhead.New(eng, "http", bulkhead.Config{MaxInFlight: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	mw, err := httpmw.Compose(engine.Policies[httpmw.Served]{CircuitBreaker: cb, Admission: []engine.Guard{bh}}, httpmw.Options{})
	if err != nil {
		b.Fatal(err)
	}
	runHTTP(b, mw(http.HandlerFunc(okHandler)))
}

// The same with failsafehttp.NewHandler.
func benchHTTPFailsafe(b *testing.B) {
	cb := fsbreaker.NewWithDefaults[*http.Response]()
	bh := fsbulkhead.New[*http.Response](1 << 16)
	runHTTP(b, failsafehttp.NewHandler(http.HandlerFunc(okHandler), cb, bh))
}
