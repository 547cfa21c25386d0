package httpmw

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// LongestRoutes is the most entries Rates.Routes may hold.
const LongestRoutes = 4096

// Rates says which rate a request is limited under: its route's, else
// Default. The zero value limits nothing.
type Rates struct {
	// Default is the rate (ratelimit.ParseRate: "100/minute") of a request
	// whose route has no rate of its own; "" lets such requests through
	// unlimited.
	Default string
	// Routes maps a route to its rate. A route is a ServeMux pattern as
	// http.Request.Pattern reports it ("GET /orders/{id}", "/static/"), or
	// a method, one space and a pattern without a method ("POST
	// /orders/"), which is tried first. Each route has its own limit per
	// key; requests under Default share one. At most LongestRoutes.
	Routes map[string]string
	// Mux, if set, finds the pattern of a request that has none yet
	// (a middleware around the mux runs before the mux sets
	// Request.Pattern); nil means Request.Pattern as it is, so wrap each
	// handler inside the mux.
	Mux *http.ServeMux
}

// route is one compiled entry of Rates.
type route struct {
	name string // the RateLimit policy name: the route, or "default"
	rate ratelimit.Rate
	on   bool
}

// rates is Rates parsed and checked.
type rates struct {
	def    route
	routes map[string]route
	mux    *http.ServeMux
}

// compile parses every rate of rs and checks it against l.
func (rs Rates) compile(l ratelimit.Interface) (rates, error) {
	if len(rs.Routes) > LongestRoutes {
		return rates{}, messages.InvalidConfig(Kind, "Rates.Routes", len(rs.Routes), "must hold at most 4096 routes")
	}
	c := rates{mux: rs.Mux}
	parse := func(name, rate string) (route, error) {
		r, err := ratelimit.ParseRate(rate)
		if err != nil {
			return route{}, err
		}
		if _, err := l.Guard("", r); err != nil { // the limiter's own bounds on a rate
			return route{}, err
		}
		return route{name: name, rate: r, on: true}, nil
	}
	var err error
	if rs.Default != "" {
		if c.def, err = parse("default", rs.Default); err != nil {
			return rates{}, err
		}
	}
	if len(rs.Routes) > 0 {
		c.routes = make(map[string]route, len(rs.Routes))
		for name, rate := range rs.Routes {
			if name == "" {
				return rates{}, messages.InvalidConfig(Kind, "Rates.Routes", `""`, "a route must not be empty")
			}
			if c.routes[name], err = parse(name, rate); err != nil {
				return rates{}, err
			}
		}
	}
	return c, nil
}

// of returns the route r is limited under; on is false for none.
func (c *rates) of(r *http.Request) route {
	if len(c.routes) > 0 {
		pattern := r.Pattern
		if pattern == "" && c.mux != nil {
			_, pattern = c.mux.Handler(r)
		}
		if pattern != "" {
			if !strings.Contains(pattern, " ") {
				if rt, ok := c.routes[r.Method+" "+pattern]; ok {
					return rt
				}
			}
			if rt, ok := c.routes[pattern]; ok {
				return rt
			}
		}
	}
	return c.def
}

// RateLimitError is a rate limiter's refusal of a request with the policy
// it broke: the route (or "default") and its rate. It unwraps to the
// limiter's error, so errors.Is(err, messages.ErrRateLimited) and
// messages.RetryAfter work on it.
type RateLimitError struct {
	Err    error
	Policy string
	Rate   ratelimit.Rate
}

func (e *RateLimitError) Error() string { return e.Err.Error() }

// Unwrap returns the limiter's error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// RateGuard limits requests per key and route on a rate limiter. As an
// engine.Guard (for Compose's Policies.RateLimiter) it reads the request
// from the context Compose gives it (RequestFrom); Acquire without one is
// an error wrapping messages.ErrInvalidConfig. It holds nothing while the
// handler runs: Release does nothing. It is safe for concurrent use.
type RateGuard struct {
	l     ratelimit.Interface
	rates rates
	key   KeyFunc
}

var _ engine.Guard = (*RateGuard)(nil)

// NewRateGuard returns a guard that admits a request if its key (key(r);
// nil means ClientIP() with no trusted proxies) may have one more request
// under its route's rate on l — in process (*ratelimit.Limiter) or shared
// through Redis (adapters/redis). Every rate is parsed and checked
// against the limiter here (l.Guard): a malformed rate or one the limiter
// cannot hold is an error (a *ratelimit.RateError, which unwraps to
// messages.ErrInvalidConfig), never a 500 on every request. So are a nil
// l (a *messages.ConfigError) and too many routes.
func NewRateGuard(l ratelimit.Interface, rs Rates, key KeyFunc) (*RateGuard, error) {
	if l == nil || isNil(l) {
		return nil, messages.InvalidConfig(Kind, "Limiter", "nil", "must be a rate limiter")
	}
	c, err := rs.compile(l)
	if err != nil {
		return nil, err
	}
	if key == nil {
		key, _ = ClientIP()
	}
	return &RateGuard{l: l, rates: c, key: key}, nil
}

// errNoRequest is a RateGuard's Acquire outside Compose.
var errNoRequest = messages.InvalidConfig(Kind, "RateGuard", "no request in the context", "use it in httpmw.Compose, or call Allow")

// Acquire is Allow for the request in ctx (RequestFrom).
func (g *RateGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	r, ok := RequestFrom(ctx)
	if !ok {
		return engine.Permit{}, errNoRequest
	}
	return engine.Permit{}, g.Allow(r)
}

// Release does nothing: a rate limit holds no slot.
func (g *RateGuard) Release(engine.Permit, messages.Outcome) {}

// Allow admits r under its route's rate (nil), or returns the limiter's
// error; a refusal is a *RateLimitError. A request with no rate passes.
func (g *RateGuard) Allow(r *http.Request) error {
	rt := g.rates.of(r)
	if !rt.on {
		return nil
	}
	key := g.key(r)
	if rt.name != "default" {
		key += "\x00" + rt.name // each route has its own limit per key
	}
	err := g.l.AllowRate(r.Context(), key, rt.rate)
	if err != nil && errors.Is(err, messages.ErrRateLimited) {
		return &RateLimitError{Err: err, Policy: rt.name, Rate: rt.rate}
	}
	return err
}

// RateLimit returns middleware that admits a request if its key may have
// one more request under its route's rate on l (see NewRateGuard, whose
// errors it returns), and otherwise answers as Guard does: OnReject, or
// WriteError's 429 with the exact wait as Retry-After and the RateLimit
// and RateLimit-Policy header fields. A rate limit holds nothing while the
// handler runs, so Classify and ClassifyRefusal are not used. Invalid
// opts are a *messages.ConfigError.
func RateLimit(l ratelimit.Interface, rs Rates, key KeyFunc, opts Options) (func(http.Handler) http.Handler, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	g, err := NewRateGuard(l, rs, key)
	if err != nil {
		return nil, err
	}
	admit := func(req *http.Request) (engine.Permit, error) { return engine.Permit{}, g.Allow(req) }
	return newMiddleware(opts, admit, nil), nil
}

// RateLimitHeaders returns the values of the RateLimit and
// RateLimit-Policy header fields for a rate-limit refusal err, in the
// structured-field form of draft-ietf-httpapi-ratelimit-headers-10 (the
// current draft; -09's fields are the same): RateLimit is
// `"<policy>";r=0;t=<seconds until the next request may pass>` and
// RateLimit-Policy is `"<policy>";q=<count>;w=<window in seconds>`. The
// policy is a *RateLimitError's route (or "default"), else the refusing
// instance's name; policy is "" unless err is a *RateLimitError (its rate
// is unknown otherwise).
func RateLimitHeaders(err error) (limit, policy string) {
	name := "default"
	var rl *RateLimitError
	isRL := errors.As(err, &rl)
	var rej *messages.RejectedError
	switch {
	case isRL:
		name = rl.Policy
	case errors.As(err, &rej) && rej.Name != "":
		name = rej.Name
	}
	wait, _ := messages.RetryAfter(err)
	quoted := sfString(name)
	limit = quoted + ";r=0;t=" + strconv.Itoa(ceilSeconds(wait))
	if isRL {
		w := max((rl.Rate.Period+time.Second-1)/time.Second, 1) // a rate's period is at most 2^62 ns
		policy = quoted + ";q=" + strconv.FormatInt(rl.Rate.Count, 10) + ";w=" + strconv.FormatInt(int64(w), 10)
	}
	return limit, policy
}

// sfString is s as a structured-field String (RFC 9651 §3.3.3): quoted,
// with '"' and '\' escaped; a byte outside printable ASCII becomes '?'.
func sfString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
