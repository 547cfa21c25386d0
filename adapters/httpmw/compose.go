package httpmw

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Served is the result of one request in an HTTP composition (Compose):
// what a fallback stage returns in place of the handler's response.
type Served struct {
	// Status is the final status the handler wrote, or the status a
	// fallback answers with (0: 200).
	Status int
}

// StatusError is the error a request's handler "returns" to the guards of
// a composition when its final status is 5xx: Policies.Classify (or each
// guard's default, messages.ClassifyError) sees it, so a 5xx is a failure
// by default. Read the status with errors.As.
type StatusError struct{ Status int }

func (e *StatusError) Error() string { return "httpmw: status " + strconv.Itoa(e.Status) }

// ErrServed is the refusal a stage above the handler gets when it calls
// the rest of the chain again (a retry inside a Composition): a request is
// served once, since its response cannot be taken back. Being a refusal,
// it is neutral and not retried by default.
var ErrServed = errors.New("httpmw: request already served")

var errServed = &messages.RejectedError{Err: ErrServed, Pattern: Kind, Reason: "served"}

// requestKey is the context key of the request being served.
type requestKey struct{}

// RequestFrom returns the request a composite middleware (Compose) is
// serving, from the context its stages get: a guard of your own can read
// the request's path, headers or route through it, as RateGuard does.
func RequestFrom(ctx context.Context) (*http.Request, bool) {
	r, ok := ctx.Value(requestKey{}).(*http.Request)
	return r, ok
}

// Compose returns middleware that runs each request under every pattern of
// p in one pass, in engine.Compose's order (fallback, circuit breaker,
// rate limiter, timeout, then the concurrency guards), instead of one
// middleware per pattern; it stacks with other middleware like any. Use a
// RateGuard as p.RateLimiter for per-client and per-route rates, and
// actors/timeout (or Timeout around it) for a deadline.
//
// Outcomes: the guards judge each request by Policies.Classify (nil: each
// guard's own rule, messages.ClassifyError by default) applied to the
// handler's result as an error — nil for a final status below 500, a
// *StatusError for 5xx, the refusal of a Bulwark guard inside (neutral by
// default), context.Canceled when the client went away (neutral),
// context.DeadlineExceeded for a server-side timeout and a
// *messages.PanicError for a handler that panicked (failures; the panic
// goes on to net/http once every permit is back).
//
// Responses: a request refused by a stage gets OnReject's (WriteError's)
// answer — 429 or 503 with Retry-After, 504 for a timeout — unless its
// handler had begun its own response, and nothing when its client went
// away. A fallback's Served is answered as an empty response of its
// Status when the handler wrote nothing. A handler that a timeout stage
// abandons (one that ignores its context) is cut off: its later writes
// are dropped, never raced with net/http; a handler whose request was
// answered before it began never runs.
//
// p.Retry must be nil (a *messages.ConfigError): a server cannot replay a
// request whose response has begun — retry in the client (httpclient).
// Options.Classify and ClassifyRefusal must be nil too: Policies.Classify
// is the one classifier here.
func Compose(p engine.Policies[Served], opts Options) (func(http.Handler) http.Handler, error) {
	if p.Retry != nil {
		return nil, messages.InvalidConfig(Kind, "Policies.Retry", "set", "must be nil: a server cannot replay a request; retry in the client")
	}
	return Composed(engine.Compose(p), opts)
}

// Composed is Compose for a composition built with engine.Chain (any
// order) or engine.Compose. A retry stage in it never runs the handler
// twice: its later attempts get ErrServed. c must not be nil.
func Composed(c *engine.Composition[Served], opts Options) (func(http.Handler) http.Handler, error) {
	if c == nil {
		return nil, messages.InvalidConfig(Kind, "Composition", "nil", "must not be nil")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Classify != nil {
		return nil, messages.InvalidConfig(Kind, "Options.Classify", "set", "must be nil in a composition: use Policies.Classify")
	}
	if opts.ClassifyRefusal != nil {
		return nil, messages.InvalidConfig(Kind, "Options.ClassifyRefusal", "set", "must be nil in a composition: use Policies.Classify")
	}
	m := newState(opts, nil, nil)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if m.excluded[r.URL.Path] {
				next.ServeHTTP(w, r)
				return
			}
			serveComposed(m, c, next, w, r)
		})
	}, nil
}

// composedCall is one request under a composition: the context its stages
// get (the request's, which also answers RequestFrom), the writer its
// handler gets (a timeoutWriter over a recorder, whose lock orders the
// handler's writes against the end of the request) and what the
// middleware learns from the handler.
type composedCall struct {
	context.Context
	rec      recorder
	tw       timeoutWriter
	next     http.Handler
	r        *http.Request
	ran      bool // the handler was called (under tw.mu)
	returned bool // the handler returned or panicked (under tw.mu)
	panicked any  // what the handler panicked with, if it did
}

// Value answers RequestFrom with the request, and asks the request's
// context for any other key.
func (c *composedCall) Value(key any) any {
	if key == (requestKey{}) {
		return c.r
	}
	return c.Context.Value(key)
}

func serveComposed(m *middleware, c *engine.Composition[Served], next http.Handler, w http.ResponseWriter, r *http.Request) {
	call := &composedCall{Context: r.Context(), next: next, r: r, rec: recorder{ResponseWriter: w}}
	call.tw.w = &call.rec
	v, err := c.Get(call, call.serve)

	call.tw.mu.Lock()
	if !call.returned {
		call.tw.expired = true // an abandoned handler writes nothing more
	}
	wrote, ran, returned, panicked := call.tw.wrote, call.ran, call.returned, call.panicked
	call.tw.mu.Unlock()
	switch {
	case ran && returned && panicked != nil:
		panic(panicked)
	case wrote:
	case err != nil:
		m.rejected(w, r, err)
	default:
		code := v.Status
		if code == 0 {
			code = http.StatusOK
		}
		w.WriteHeader(code)
	}
}

// serve runs the handler once, under ctx (the composition's), and turns
// what it did into the composition's result.
func (c *composedCall) serve(ctx context.Context) (v Served, err error) {
	c.tw.mu.Lock()
	if c.ran {
		c.tw.mu.Unlock()
		return Served{}, errServed
	}
	if c.tw.expired { // a timeout stage answered before the handler began
		c.tw.mu.Unlock()
		return Served{}, context.DeadlineExceeded
	}
	c.ran = true
	c.tw.mu.Unlock()
	defer func() {
		p := recover()
		c.tw.mu.Lock()
		c.returned, c.panicked = true, p
		c.tw.finishLocked()
		c.tw.mu.Unlock()
		if p != nil {
			v, err = Served{}, &messages.PanicError{Value: p}
			if c.rec.clientGone(ctx) {
				err = context.Canceled
			}
		}
	}()
	req := c.r
	if ctx != context.Context(c) { // a stage's own context (a timeout's)
		req = c.r.WithContext(ctx)
	}
	c.next.ServeHTTP(&c.tw, req)
	c.tw.mu.Lock()
	defer c.tw.mu.Unlock()
	rec := &c.rec
	status := rec.status()
	switch {
	case rec.refusal != nil:
		return Served{Status: status}, rec.refusal
	case rec.clientGone(ctx):
		return Served{Status: status}, context.Canceled
	case rec.timedOut || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Served{Status: status}, context.DeadlineExceeded
	case status >= 500:
		return Served{Status: status}, &StatusError{Status: status}
	}
	return Served{Status: status}, nil
}
