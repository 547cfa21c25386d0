package dashboard

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

//go:embed page.html
var page []byte

// Handler serves the dashboard of one engine (see the package doc for its
// paths). It is safe for concurrent use. Each /events client is served in
// its request's goroutine, which returns when the client leaves or the
// engine shuts down; the first client starts one goroutine that shares a
// single subscription of the event stream among all clients, and that
// ends when the engine shuts down.
type Handler struct {
	eng     *engine.Engine
	opts    Options
	mux     *http.ServeMux
	clients atomic.Int64
	dropped atomic.Uint64
	hub     *hub
	hubOnce sync.Once
}

// New returns the dashboard of eng. eng must not be nil; bad options are a
// *messages.ConfigError.
func New(eng *engine.Engine, opts Options) (*Handler, error) {
	if eng == nil {
		return nil, messages.InvalidConfig("dashboard", "engine", nil, "must not be nil")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	h := &Handler{eng: eng, opts: opts.withDefaults(), mux: http.NewServeMux(), hub: newHub(eng)}
	h.mux.Handle("GET /{$}", h.Page())
	h.mux.Handle("GET /status", h.Status())
	h.mux.Handle("GET /healthz", h.Healthz())
	h.mux.Handle("GET /events", h.Events())
	return h, nil
}

// ServeHTTP serves /, /status, /healthz and /events; other paths are 404
// and methods other than GET (and HEAD) 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Add lists a stateless instance (a *retry.Retry, *timeout.Timeout,
// *timeout.Deadline, *fallback.Fallback, *hedge.Hedge, *coalesce.Group or
// *cache.Cache) too; see inventory.Set.Add.
func (h *Handler) Add(x any) error { return h.opts.Instances.Add(x) }

// Clients returns how many /events clients are connected.
func (h *Handler) Clients() int { return int(h.clients.Load()) }

// Dropped returns how many events /events clients have missed because
// their buffers were full, summed over the clients (for a metric such as
// bulwark_events_dropped_total).
func (h *Handler) Dropped() uint64 { return h.dropped.Load() }

// Page returns the handler of the live page.
func (h *Handler) Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("Content-Security-Policy", "default-src 'self'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(page)
	})
}

// Status returns the handler of /status: a StatusView as JSON.
func (h *Handler) Status() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
		defer cancel()
		list, truncated := inventory.List(ctx, h.eng, h.opts.Instances, h.opts.MaxInstances)
		v := StatusView{Time: time.Now().UTC(), Instances: make([]InstanceView, 0, len(list)), Truncated: truncated}
		for _, in := range list {
			if in.Err != nil {
				v.Unreadable++
			}
			v.Instances = append(v.Instances, viewOf(in))
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// HealthView is the JSON body of /healthz.
type HealthView struct {
	// Status is "ok", "unavailable" (a critical breaker is open) or
	// "stopped" (the engine is shutting down).
	Status string `json:"status"`
	// Open lists the critical breakers that are open.
	Open []string `json:"open,omitempty"`
}

// Healthz returns the handler of /healthz: 200 {"status":"ok"}, or 503
// while a breaker named in Options.Critical is OPEN (forced open included)
// or once the engine is shutting down. It reads each breaker's published
// state, without asking its actor.
func (h *Handler) Healthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.eng.Stopped() {
			writeJSON(w, http.StatusServiceUnavailable, HealthView{Status: "stopped"})
			return
		}
		v := HealthView{Status: "ok"}
		if len(h.opts.Critical) > 0 {
			for _, c := range h.eng.Supervisor().List() {
				b, ok := c.Handle.(*circuitbreaker.Breaker)
				if !ok || !slices.Contains(h.opts.Critical, c.Name) {
					continue
				}
				if st, _ := b.State(); st == circuitbreaker.Open {
					v.Open = append(v.Open, c.Name)
				}
			}
		}
		code := http.StatusOK
		if len(v.Open) > 0 {
			v.Status, code = "unavailable", http.StatusServiceUnavailable
		}
		writeJSON(w, code, v)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
