package httpmw_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// nopGuard admits everything and records nothing: the middleware's own
// cost is what is left.
type nopGuard struct{}

func (nopGuard) Acquire(context.Context) (engine.Permit, error) { return engine.Permit{}, nil }
func (nopGuard) Release(engine.Permit, messages.Outcome)        {}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkGuard is the middleware's cost per admitted request around a
// handler that writes a status and a short body.
func BenchmarkGuard(b *testing.B) { benchGuards(b, 1) }

// BenchmarkGuardStacked is two guards, one inside the other.
func BenchmarkGuardStacked(b *testing.B) { benchGuards(b, 2) }

func benchGuards(b *testing.B, n int) {
	body := []byte("ok")
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	for range n {
		h = httpmw.Guard(nopGuard{}, httpmw.Options{})(h)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/orders", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkCompose is the composite middleware's cost per admitted request
// with two guards (a breaker's place and an admission guard's), the same
// work as BenchmarkGuardStacked in one pass.
func BenchmarkCompose(b *testing.B) {
	body := []byte("ok")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
	mw, err := httpmw.Compose(engine.Policies[httpmw.Served]{CircuitBreaker: nopGuard{}, Admission: []engine.Guard{nopGuard{}}}, httpmw.Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/orders", nil)
	w := &discardWriter{h: http.Header{}}
	hh := mw(h)
	b.ReportAllocs()
	for b.Loop() {
		hh.ServeHTTP(w, r)
	}
}
