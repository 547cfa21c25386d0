package httpclient

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind names this adapter in its configuration errors.
const Kind = "httpclient"

// DefaultRetryStatuses are the statuses a RetryTransport retries when
// RetryConfig.Statuses is nil: 429, 502, 503 and 504.
func DefaultRetryStatuses() []int { return []int{429, 502, 503, 504} }

// Bounds of a RetryConfig.
const (
	// LargestMaxHosts is the largest RetryConfig.MaxHosts.
	LargestMaxHosts = 1 << 16
	// DefaultMaxHosts is RetryConfig.MaxHosts when zero.
	DefaultMaxHosts = 1024
	// LongestStatuses is the most entries RetryConfig.Statuses may hold.
	LongestStatuses = 64
)

// RetryConfig configures a RetryTransport. Zero fields take the
// documented defaults.
type RetryConfig struct {
	// Name names the per-host instances on the engine: the breaker and the
	// budget of host h are "<Name>/<h>". Required when Budget or Breaker
	// is set.
	Name string
	// Retry is the schedule: attempts, backoff, jitter, MaxDuration
	// (retry.Config's defaults: 3 attempts, 1 s doubling up to 60 s). Its
	// MaxDelay also caps the wait a response's Retry-After asks for. Its
	// RetryOn (nil: RetryableError) says which failed attempts are
	// retried; its Budget must be nil (see Budget).
	Retry retry.Config
	// Statuses are the response statuses retried; nil means
	// DefaultRetryStatuses(). At most LongestStatuses, each 100-599.
	Statuses []int
	// Budget, if set, caps retries per host with a retry.Budget of this
	// configuration (Finagle's retry budget): a host that fails everything
	// gets few retries, whoever calls it.
	Budget *retry.BudgetConfig
	// Breaker, if set, puts every attempt to host h under a circuit breaker
	// of this configuration, "<Name>/<h>" on the engine (get-or-create, so
	// transports with the same Name share it): an open circuit refuses the
	// attempt (messages.ErrCircuitOpen), which is not retried.
	Breaker *circuitbreaker.Config
	// Replayable says whether a request may be sent more than once; nil
	// means Idempotent. A request whose body cannot be replayed (a Body
	// without GetBody) is sent once whatever it says.
	Replayable func(*http.Request) bool
	// MaxHosts bounds the hosts with a breaker and budget of their own;
	// requests to further hosts share one, "<Name>/*". 0 means
	// DefaultMaxHosts; at most LargestMaxHosts.
	MaxHosts int
}

// Validate returns a *messages.ConfigError (or the retry package's) for
// the first field of c that NewRetryTransport would refuse.
func (c RetryConfig) Validate() error {
	switch {
	case c.Retry.Budget != nil:
		return messages.InvalidConfig(Kind, "Retry.Budget", "set", "must be nil: set RetryConfig.Budget for a budget per host")
	case (c.Budget != nil || c.Breaker != nil) && c.Name == "":
		return messages.InvalidConfig(Kind, "Name", `""`, "must be set with Budget or Breaker")
	case c.MaxHosts < 0 || c.MaxHosts > LargestMaxHosts:
		return messages.InvalidConfig(Kind, "MaxHosts", c.MaxHosts, "must be between 0 and 65536")
	case len(c.Statuses) > LongestStatuses:
		return messages.InvalidConfig(Kind, "Statuses", len(c.Statuses), "must hold at most 64 statuses")
	}
	for _, s := range c.Statuses {
		if s < 100 || s > 599 {
			return messages.InvalidConfig(Kind, "Statuses", s, "each must be an HTTP status, 100-599")
		}
	}
	if _, err := retry.New(nil, c.Name, c.Retry); err != nil {
		return err
	}
	if c.Budget != nil {
		if err := c.Budget.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Idempotent reports whether r may be sent again: its method is
// idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; RFC 9110 §9.2.2) or
// it carries an Idempotency-Key header.
func Idempotent(r *http.Request) bool {
	switch r.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return r.Header.Get("Idempotency-Key") != ""
}

// StatusError is the error of an attempt answered with a retried status;
// RetryConfig.Retry.RetryOn sees it. It unwraps to a
// *messages.RejectedError whose RetryAfter is the response's Retry-After,
// which the retry schedule honours up to its MaxDelay. It never reaches
// the caller: when the retries run out, RoundTrip returns the last
// response itself.
type StatusError struct {
	Status int
	// RetryAfter is the response's Retry-After (0: none).
	RetryAfter time.Duration
	rej        messages.RejectedError
}

func (e *StatusError) Error() string { return "httpclient: status " + strconv.Itoa(e.Status) }

// Unwrap returns the rejection that carries the Retry-After.
func (e *StatusError) Unwrap() error { return &e.rej }

// errRetryStatus is the sentinel inside a StatusError's rejection.
var errRetryStatus = errors.New("httpclient: retried status")

// RetryableError is the default RetryConfig.Retry.RetryOn: a retried
// status (*StatusError) and every error retry.DefaultRetryOn retries —
// connection errors, not the caller's cancellation or deadline, not
// Bulwark's own refusals (an open circuit).
func RetryableError(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return true
	}
	return retry.DefaultRetryOn(err)
}

// RetryTransport is an http.RoundTripper that retries failed attempts: a
// connection error or a retried status (429, 502, 503, 504) is tried
// again on the retry schedule, at least as late as the response's
// Retry-After (seconds or HTTP-date) asks, never later than the schedule's
// MaxDelay. Only requests that may be replayed are retried (idempotent
// methods, or an Idempotency-Key), their bodies replayed through GetBody.
// Each host has its own retry budget and circuit breaker when configured.
//
// The body of every response it does not return is drained (up to
// MaxDrain bytes) and closed, so its connection goes back to the pool.
// When the retries run out on a status, the last response is returned as
// it is (nil error), for the caller to read; on a connection error, the
// error (a *retry.ExhaustedError wrapping it). A caller whose context ends
// gets its error at once. It is safe for concurrent use; it has no
// goroutine of its own (the per-host breakers and budgets are actors that
// stop with the engine).
type RetryTransport struct {
	eng      *engine.Engine
	base     http.RoundTripper
	cfg      RetryConfig
	statuses []int
	maxHosts int
	hosts    sync.Map // host → *hostState
	nHosts   atomic.Int64
	shared   *retry.Retry // the schedule when there are no per-host budgets
}

// hostState is one host's retry schedule (with its budget) and breaker.
type hostState struct {
	retry *retry.Retry
	guard *Transport // nil without a breaker
}

var _ http.RoundTripper = (*RetryTransport)(nil)

// NewRetryTransport returns a RetryTransport over base (nil:
// http.DefaultTransport), or cfg's first invalid field as an error. eng
// may be nil only without Budget and Breaker (then waits use the real
// clock).
func NewRetryTransport(eng *engine.Engine, base http.RoundTripper, cfg RetryConfig) (*RetryTransport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if eng == nil && (cfg.Budget != nil || cfg.Breaker != nil) {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil with Budget or Breaker")
	}
	if base == nil {
		base = http.DefaultTransport
	}
	if cfg.Retry.RetryOn == nil {
		cfg.Retry.RetryOn = RetryableError
	}
	if cfg.Replayable == nil {
		cfg.Replayable = Idempotent
	}
	t := &RetryTransport{eng: eng, base: base, cfg: cfg, statuses: slices.Clone(cfg.Statuses), maxHosts: cfg.MaxHosts}
	if t.statuses == nil {
		t.statuses = DefaultRetryStatuses()
	}
	if t.maxHosts == 0 {
		t.maxHosts = DefaultMaxHosts
	}
	if cfg.Breaker != nil {
		if _, err := circuitbreaker.New(eng, cfg.Name+"/*", *cfg.Breaker); err != nil {
			return nil, err // the breaker's own configuration errors, at setup
		}
	}
	if cfg.Budget == nil && cfg.Breaker == nil {
		r, err := retry.New(eng, cfg.Name, cfg.Retry)
		if err != nil {
			return nil, err
		}
		t.shared = r
	}
	return t, nil
}

// host returns the state of host h, creating it (within MaxHosts).
func (t *RetryTransport) host(h string) (*hostState, error) {
	if t.shared != nil {
		return &hostState{retry: t.shared}, nil
	}
	if s, ok := t.hosts.Load(h); ok {
		return s.(*hostState), nil
	}
	if h != "*" && t.nHosts.Add(1) > int64(t.maxHosts) {
		t.nHosts.Add(-1)
		return t.host("*")
	}
	s, err := t.newHost(h)
	if err != nil {
		if h != "*" {
			t.nHosts.Add(-1)
		}
		return nil, err
	}
	if prev, loaded := t.hosts.LoadOrStore(h, s); loaded {
		if h != "*" {
			t.nHosts.Add(-1)
		}
		return prev.(*hostState), nil
	}
	return s, nil
}

func (t *RetryTransport) newHost(h string) (*hostState, error) {
	name := t.cfg.Name + "/" + h
	rc := t.cfg.Retry
	if t.cfg.Budget != nil {
		b, err := retry.NewBudget(t.eng, name, *t.cfg.Budget)
		if err != nil {
			return nil, err
		}
		rc.Budget = b
	}
	r, err := retry.New(t.eng, name, rc)
	if err != nil {
		return nil, err
	}
	s := &hostState{retry: r}
	if t.cfg.Breaker != nil {
		cb, err := circuitbreaker.New(t.eng, name, *t.cfg.Breaker)
		if err != nil {
			return nil, err
		}
		s.guard = &Transport{Base: t.base, Guard: cb}
	}
	return s, nil
}

// RoundTrip implements http.RoundTripper.
func (t *RetryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s, err := t.host(req.URL.Host)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	var rt http.RoundTripper = t.base
	if s.guard != nil {
		rt = s.guard
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if !replayable || !t.cfg.Replayable(req) {
		return rt.RoundTrip(req)
	}
	a := attempts{t: t, rt: rt, req: req}
	ctx := req.Context()
	resp, err := retry.For[*http.Response](s.retry).Do(ctx, a.do)
	switch {
	case err == nil:
		return resp, nil
	case ctx.Err() != nil:
		Discard(a.last)
		return nil, err
	case a.last != nil: // the retries ran out on a status: the caller reads it
		return a.last, nil
	}
	return nil, err
}

// attempts is one request's retry loop state; the loop runs in the
// caller's goroutine, one attempt at a time.
type attempts struct {
	t    *RetryTransport
	rt   http.RoundTripper
	req  *http.Request
	n    int
	last *http.Response // the latest attempt's retried response, unread
}

// do runs one attempt.
func (a *attempts) do(ctx context.Context) (*http.Response, error) {
	Discard(a.last) // a failed attempt's connection goes back to the pool
	a.last = nil
	a.n++
	req := a.req
	if a.n > 1 {
		req = a.req.WithContext(ctx)
		if a.req.GetBody != nil {
			body, err := a.req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
	}
	resp, err := a.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(a.t.statuses, resp.StatusCode) {
		return resp, nil
	}
	a.last = resp
	wait, _ := RetryAfter(resp, a.t.now())
	se := &StatusError{Status: resp.StatusCode, RetryAfter: wait}
	se.rej = messages.RejectedError{Err: errRetryStatus, Pattern: Kind, Name: a.req.URL.Host, RetryAfter: wait}
	return resp, se
}

func (t *RetryTransport) now() time.Time {
	if t.eng != nil {
		return t.eng.Clock().Now()
	}
	return time.Now()
}
