package httpmw

import (
	"net/http"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// RateLimit returns middleware that admits a request if its key may have
// one more event under rate on l (Limiter.AllowRate), and otherwise
// answers as Guard does: OnReject, or WriteError's 429 with the exact wait
// as Retry-After. key nil means the client's address with no trusted
// proxies (ClientIP()).
//
// The rate is parsed and checked against l here: a malformed rate, or one
// l's algorithm cannot hold, is New's error (a *ratelimit.RateError, which
// unwraps to messages.ErrInvalidConfig), never a 500 on every request. So
// are a nil l and invalid opts (a *messages.ConfigError). A rate limit
// holds nothing while the handler runs, so Classify and ClassifyRefusal
// are not used.
func RateLimit(l *ratelimit.Limiter, rate string, key KeyFunc, opts Options) (func(http.Handler) http.Handler, error) {
	if l == nil {
		return nil, messages.InvalidConfig(Kind, "Limiter", "nil", "must be a *ratelimit.Limiter")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	r, err := ratelimit.ParseRate(rate)
	if err != nil {
		return nil, err
	}
	if _, err := l.Guard("", r); err != nil { // the limiter's own bounds on a rate
		return nil, err
	}
	if key == nil {
		key, _ = ClientIP()
	}
	admit := func(req *http.Request) (engine.Permit, error) {
		return engine.Permit{}, l.AllowRate(req.Context(), key(req), r)
	}
	return newMiddleware(opts, admit, nil), nil
}
