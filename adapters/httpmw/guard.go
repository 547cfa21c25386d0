package httpmw

import (
	"context"
	"errors"
	"log"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind names this adapter in its configuration errors.
const Kind = "httpmw"

// DefaultExcludePaths returns the health-check paths the middleware lets
// through unguarded when Options.ExcludePaths is nil: /health, /healthz,
// /ready and /metrics. Each call returns a new slice.
func DefaultExcludePaths() []string { return []string{"/health", "/healthz", "/ready", "/metrics"} }

// defaultExcluded is DefaultExcludePaths as a set, shared read-only.
var defaultExcluded = pathSet(DefaultExcludePaths())

// DefaultRetryAfterHint is the Retry-After of a refusal that carries no
// wait of its own when Options.RetryAfterHint is zero.
const DefaultRetryAfterHint = time.Second

// LongestExcludePaths is the most paths Options.ExcludePaths may hold.
const LongestExcludePaths = 4096

// LargestRetryAfterHint is the largest Options.RetryAfterHint.
const LargestRetryAfterHint = time.Hour

// Options configures Guard. The zero value is ready to use.
type Options struct {
	// ExcludePaths are request paths (exact matches, each starting with
	// "/") served without the guard; nil means DefaultExcludePaths(), an
	// empty non-nil slice means none. At most LongestExcludePaths. The
	// middleware keeps its own copy.
	ExcludePaths []string
	// Classify maps the final status the handler wrote (informational 1xx
	// responses other than 101 are not final) to an outcome; nil means
	// ClassifyStatus (5xx is a failure). It is not asked about a request
	// whose client went away, that the server timed out, or that an inner
	// Bulwark guard refused (see ClassifyRefusal).
	Classify func(status int) messages.Outcome
	// ClassifyRefusal maps the refusal of a Bulwark pattern inside this
	// middleware — an inner Guard's rejection, or a handler's WriteError
	// of a refusal (messages.IsRefusal) — to this guard's outcome; nil
	// means messages.ClassifyError, under which every refusal is Ignored:
	// local overload is not a backend failure. The refusal is seen when
	// every writer between the two wraps the next with an Unwrap method
	// (as http.ResponseController requires); otherwise its status goes to
	// Classify like any response.
	ClassifyRefusal func(err error) messages.Outcome
	// RetryAfterHint is the Retry-After sent with a refusal that carries
	// no wait of its own (a full bulkhead, a shed request, backpressure, a
	// concurrency limit, a stopped engine); a computed wait (an open
	// circuit's time left, a rate limit's next permit) is always sent as
	// it is, so every refusal carries a Retry-After. 0 means
	// DefaultRetryAfterHint; at most LargestRetryAfterHint. Unused when
	// OnReject is set.
	RetryAfterHint time.Duration
	// OnReject, if set, writes the response for a rejected request instead
	// of WriteError.
	OnReject func(w http.ResponseWriter, r *http.Request, err error)
	// OnError, if set, is called with every error from the guard's Acquire
	// that is neither a refusal (messages.IsRefusal) nor the end of the
	// request's context — a malformed rate, a broken guard — before the
	// request is rejected (a 500 by WriteError). nil means: the first such
	// error of this middleware is written to the standard log package's
	// logger (where net/http writes its own errors), the later ones only
	// answered.
	OnError func(r *http.Request, err error)
}

// Validate returns a *messages.ConfigError for the first field of o that is
// out of range.
func (o Options) Validate() error {
	if len(o.ExcludePaths) > LongestExcludePaths {
		return messages.InvalidConfig(Kind, "ExcludePaths", len(o.ExcludePaths), "must hold at most 4096 paths")
	}
	if o.RetryAfterHint < 0 || o.RetryAfterHint > LargestRetryAfterHint {
		return messages.InvalidConfig(Kind, "RetryAfterHint", o.RetryAfterHint, "must be between 0 and 1h")
	}
	for _, p := range o.ExcludePaths {
		if !strings.HasPrefix(p, "/") {
			return messages.InvalidConfig(Kind, "ExcludePaths", p, `each path must start with "/"`)
		}
	}
	return nil
}

// ClassifyStatus is the default outcome of a response: 5xx is a Failure,
// anything else a Success.
func ClassifyStatus(status int) messages.Outcome {
	if status >= 500 {
		return messages.Failure
	}
	return messages.Success
}

// New returns middleware that runs each request under g, or a
// *messages.ConfigError if g is nil or opts is invalid (Options.Validate).
//
// A request's permit is released exactly once, when the handler returns
// or panics, with the outcome of the request:
//   - a client that went away (the request's context cancelled, or the
//     connection broken under a write or flush) is messages.Ignored, also
//     when the handler then panics (httputil.ReverseProxy's
//     http.ErrAbortHandler);
//   - a server-side timeout (the request's context past its deadline, as
//     http.TimeoutHandler sets it) is a Failure;
//   - a refusal by a Bulwark pattern inside is ClassifyRefusal's;
//   - a handler that panics otherwise is a Failure, and the panic goes on
//     to net/http;
//   - anything else is Classify's verdict on the final status.
//
// A request refused by g gets OnReject's (WriteError's) response; one whose
// deadline ended while it waited for g gets 504; one whose client went
// away while it waited gets nothing (nobody reads it).
func New(g engine.Guard, opts Options) (func(http.Handler) http.Handler, error) {
	if isNil(g) {
		return nil, messages.InvalidConfig(Kind, "Guard", "nil", "must be an engine.Guard")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return newMiddleware(opts, func(r *http.Request) (engine.Permit, error) { return g.Acquire(r.Context()) }, g.Release), nil
}

// newMiddleware builds middleware from valid opts: admit asks for a
// request's permit and release (nil: nothing to release, no outcome to
// judge) gives it back.
func newMiddleware(opts Options, admit func(*http.Request) (engine.Permit, error), release func(engine.Permit, messages.Outcome)) func(http.Handler) http.Handler {
	m := newState(opts, admit, release)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(next, w, r) })
	}
}

// newState is the state of a middleware built from valid opts.
func newState(opts Options, admit func(*http.Request) (engine.Permit, error), release func(engine.Permit, messages.Outcome)) *middleware {
	m := &middleware{admit: admit, release: release, classify: opts.Classify, classifyRefusal: opts.ClassifyRefusal, reject: opts.OnReject, onError: opts.OnError}
	m.excluded = defaultExcluded
	if opts.ExcludePaths != nil {
		m.excluded = pathSet(opts.ExcludePaths)
	}
	if m.classify == nil {
		m.classify = ClassifyStatus
	}
	if m.classifyRefusal == nil {
		m.classifyRefusal = messages.ClassifyError
	}
	if m.reject == nil {
		hint := opts.RetryAfterHint
		m.reject = func(w http.ResponseWriter, _ *http.Request, err error) { writeError(w, err, hint) }
	}
	return m
}

// pathSet returns paths as a set (nil for none).
func pathSet(paths []string) map[string]bool {
	if len(paths) == 0 {
		return nil
	}
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		set[p] = true
	}
	return set
}

// Guard is New for a guard and options known to be valid: it panics with
// New's *messages.ConfigError at setup, never on a request.
func Guard(g engine.Guard, opts Options) func(http.Handler) http.Handler {
	mw, err := New(g, opts)
	if err != nil {
		panic(err)
	}
	return mw
}

// isNil reports whether g is nil or a nil pointer in an interface.
func isNil(g any) bool {
	if g == nil {
		return true
	}
	v := reflect.ValueOf(g)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// middleware is one Guard's state; it is read-only after New, except for
// logged.
type middleware struct {
	admit           func(*http.Request) (engine.Permit, error)
	release         func(engine.Permit, messages.Outcome)
	excluded        map[string]bool
	classify        func(int) messages.Outcome
	classifyRefusal func(error) messages.Outcome
	reject          func(http.ResponseWriter, *http.Request, error)
	onError         func(*http.Request, error)
	logged          atomic.Bool
}

func (m *middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if m.excluded[r.URL.Path] {
		next.ServeHTTP(w, r)
		return
	}
	p, err := m.admit(r)
	if err != nil {
		m.rejected(w, r, err)
		return
	}
	if m.release == nil {
		next.ServeHTTP(w, r)
		return
	}
	ctx := r.Context()
	rec := &recorder{ResponseWriter: w}
	done := false
	defer func() {
		if !done { // the handler or Classify panicked
			o := messages.Failure
			if rec.clientGone(ctx) {
				o = messages.Ignored
			}
			m.release(p, o)
		}
	}()
	next.ServeHTTP(rec, r)
	o := m.outcome(ctx, rec)
	done = true
	m.release(p, o)
}

// outcome judges a request whose handler returned.
func (m *middleware) outcome(ctx context.Context, rec *recorder) messages.Outcome {
	switch {
	case rec.refusal != nil:
		return m.classifyRefusal(rec.refusal)
	case rec.clientGone(ctx):
		return messages.Ignored
	case rec.timedOut || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return messages.Failure
	}
	return m.classify(rec.status())
}

// rejected answers a request that g did not admit.
func (m *middleware) rejected(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(r.Context().Err(), context.Canceled):
		return // the client is gone: nobody reads a response
	case messages.IsRefusal(err):
		markRefusal(w, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	case m.onError != nil:
		m.onError(r, err)
	case m.logged.CompareAndSwap(false, true):
		log.Printf("httpmw: guard error on %s %s: %v (this middleware logs only its first such error; set Options.OnError to see every one)", r.Method, r.URL.Path, err)
	}
	m.reject(w, r, err)
}
