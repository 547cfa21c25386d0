package httpclient

import (
	"context"
	"errors"
	"net/http"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Transport runs each request under Guard. It is safe for concurrent use if
// Base and Guard are.
type Transport struct {
	// Base performs the request; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Guard admits each request; it must not be nil.
	Guard engine.Guard
	// Classify maps a response or error to an outcome; nil means
	// ClassifyResponse.
	Classify func(*http.Response, error) messages.Outcome
}

var _ http.RoundTripper = (*Transport)(nil)

// errNoGuard is returned by a Transport without a Guard.
var errNoGuard = messages.InvalidConfig("httpclient", "Transport.Guard", "nil", "must be an engine.Guard")

// ClassifyResponse is the default outcome of a round trip: a transport
// error is a Failure unless the request's context was cancelled (Ignored);
// a 5xx response is a Failure; anything else a Success.
func ClassifyResponse(resp *http.Response, err error) messages.Outcome {
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return messages.Ignored
		}
		return messages.Failure
	}
	if resp.StatusCode >= 500 {
		return messages.Failure
	}
	return messages.Success
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Guard == nil {
		return nil, errNoGuard
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	classify := t.Classify
	if classify == nil {
		classify = ClassifyResponse
	}
	p, err := t.Guard.Acquire(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close() // RoundTrippers must close the body, even on errors
		}
		return nil, err
	}
	released := false
	defer func() {
		if !released {
			t.Guard.Release(p, messages.Failure) // base panicked
		}
	}()
	resp, err := base.RoundTrip(req)
	released = true
	t.Guard.Release(p, classify(resp, err))
	return resp, err
}
