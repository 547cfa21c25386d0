package httpmw

import (
	"net/http"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// DefaultExcludePaths are the health-check paths Guard lets through
// unguarded when Options.ExcludePaths is nil.
var DefaultExcludePaths = []string{"/health", "/healthz", "/ready", "/metrics"}

// Options configures Guard. The zero value is ready to use.
type Options struct {
	// ExcludePaths are request paths (exact matches) served without the
	// guard; nil means DefaultExcludePaths, an empty non-nil slice means
	// none.
	ExcludePaths []string
	// Classify maps the status the handler wrote to an outcome; nil
	// means ClassifyStatus (5xx is a failure).
	Classify func(status int) messages.Outcome
	// OnReject, if set, writes the response for a rejected request instead
	// of WriteError.
	OnReject func(w http.ResponseWriter, r *http.Request, err error)
}

// ClassifyStatus is the default outcome of a response: 5xx is a Failure,
// anything else a Success.
func ClassifyStatus(status int) messages.Outcome {
	if status >= 500 {
		return messages.Failure
	}
	return messages.Success
}

// Guard returns middleware that runs each request under g. A request whose
// client goes away before the handler finishes is reported as
// messages.Ignored; a handler that panics is reported as a failure and the
// panic goes on to net/http.
func Guard(g engine.Guard, opts Options) func(http.Handler) http.Handler {
	excluded := map[string]bool{}
	paths := opts.ExcludePaths
	if paths == nil {
		paths = DefaultExcludePaths
	}
	for _, p := range paths {
		excluded[p] = true
	}
	classify := opts.Classify
	if classify == nil {
		classify = ClassifyStatus
	}
	reject := opts.OnReject
	if reject == nil {
		reject = func(w http.ResponseWriter, _ *http.Request, err error) { WriteError(w, err) }
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if excluded[r.URL.Path] {
				next.ServeHTTP(w, r)
				return
			}
			p, err := g.Acquire(r.Context())
			if err != nil {
				if r.Context().Err() != nil {
					return // the client is gone: nobody reads a response
				}
				reject(w, r, err)
				return
			}
			rec := &recorder{ResponseWriter: w}
			released := false
			defer func() {
				if !released {
					g.Release(p, messages.Failure) // the handler panicked
				}
			}()
			next.ServeHTTP(rec, r)
			released = true
			switch {
			case r.Context().Err() != nil:
				g.Release(p, messages.Ignored)
			default:
				g.Release(p, classify(rec.status()))
			}
		})
	}
}
