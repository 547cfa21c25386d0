package httpclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/adapters/httpclient"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fakeGuard struct {
	reject   error
	released []messages.Outcome
}

func (g *fakeGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	if g.reject != nil {
		return engine.Permit{}, g.reject
	}
	return engine.Permit{}, nil
}

func (g *fakeGuard) Release(p engine.Permit, o messages.Outcome) { g.released = append(g.released, o) }

// roundTripper answers with a fixed status or error.
type roundTripper struct {
	status int
	err    error
	calls  int
}

func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.calls++
	if rt.err != nil {
		return nil, rt.err
	}
	return &http.Response{StatusCode: rt.status, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

func TestOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name string
		rt   *roundTripper
		want messages.Outcome
	}{
		{"200", &roundTripper{status: 200}, messages.Success},
		{"404", &roundTripper{status: 404}, messages.Success},
		{"502", &roundTripper{status: 502}, messages.Failure},
		{"dial error", &roundTripper{err: errors.New("connection refused")}, messages.Failure},
		{"cancelled", &roundTripper{err: context.Canceled}, messages.Ignored},
	} {
		g := &fakeGuard{}
		c := &http.Client{Transport: &httpclient.Transport{Base: tc.rt, Guard: g}}
		resp, err := c.Get("http://backend.invalid/")
		if err == nil {
			resp.Body.Close()
		}
		if len(g.released) != 1 || g.released[0] != tc.want {
			t.Errorf("%s: released %v, want [%v]", tc.name, g.released, tc.want)
		}
	}
}

func TestRejectedRequestNeverLeaves(t *testing.T) {
	rt := &roundTripper{status: 200}
	g := &fakeGuard{reject: &messages.RejectedError{Err: messages.ErrCircuitOpen, Pattern: "circuitbreaker", Name: "backend"}}
	c := &http.Client{Transport: &httpclient.Transport{Base: rt, Guard: g}}
	_, err := c.Post("http://backend.invalid/", "text/plain", strings.NewReader("body"))
	if !errors.Is(err, messages.ErrCircuitOpen) {
		t.Fatalf("got %v, want ErrCircuitOpen", err)
	}
	if rt.calls != 0 || len(g.released) != 0 {
		t.Fatalf("calls %d, releases %v: want none", rt.calls, g.released)
	}
}

func TestAgainstARealServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	g := &fakeGuard{}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: &httpclient.Transport{Base: tr, Guard: g}}
	for _, path := range []string{"/ok", "/fail"} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if len(g.released) != 2 || g.released[0] != messages.Success || g.released[1] != messages.Failure {
		t.Fatalf("released %v, want [success failure]", g.released)
	}
}

func TestMissingGuard(t *testing.T) {
	_, err := (&httpclient.Transport{}).RoundTrip(httptest.NewRequest(http.MethodGet, "http://x/", nil))
	if !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("got %v", err)
	}
}
