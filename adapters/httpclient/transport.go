package httpclient

import (
	"context"
	"errors"
	"net/http"
	"reflect"

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
	// ClassifyResponse. It is not asked about a request whose own context
	// was cancelled (with or without a cause): that is messages.Ignored.
	Classify func(*http.Response, error) messages.Outcome
}

var _ http.RoundTripper = (*Transport)(nil)

// errNoGuard is returned by a Transport without a Guard.
var errNoGuard = messages.InvalidConfig("httpclient", "Transport.Guard", "nil", "must be an engine.Guard")

// Validate returns a *messages.ConfigError if t cannot run a request: its
// Guard is nil (or a nil pointer).
func (t *Transport) Validate() error {
	if t.Guard == nil {
		return errNoGuard
	}
	if v := reflect.ValueOf(t.Guard); v.Kind() == reflect.Pointer && v.IsNil() {
		return errNoGuard
	}
	return nil
}

// ClassifyResponse is the default outcome of a round trip: a transport
// error is a Failure unless it is a cancellation (Ignored); a 5xx response
// is a Failure; anything else a Success.
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

// RoundTrip implements http.RoundTripper. The permit is released exactly
// once, also when Base or Classify panics (as a Failure; the panic goes
// on). A response that Base returns together with an error is closed (the
// RoundTripper contract has no room for both: http.Client would drop it
// unclosed).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.Validate(); err != nil {
		closeBody(req)
		return nil, err
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
		closeBody(req) // RoundTrippers must close the body, even on errors
		return nil, err
	}
	var resp *http.Response
	released := false
	defer func() {
		if !released { // Base or Classify panicked
			t.Guard.Release(p, messages.Failure)
			if resp != nil && resp.Body != nil {
				resp.Body.Close()
			}
		}
	}()
	resp, err = base.RoundTrip(req)
	if err != nil && resp != nil {
		if resp.Body != nil {
			resp.Body.Close()
		}
		resp = nil
	}
	var o messages.Outcome
	if err != nil && errors.Is(req.Context().Err(), context.Canceled) {
		o = messages.Ignored // the caller cancelled, whatever the cause it gave
	} else {
		o = classify(resp, err)
	}
	released = true
	t.Guard.Release(p, o)
	return resp, err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
