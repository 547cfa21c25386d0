package httpclient_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/adapters/httpclient"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// syncGuard admits every request and records each outcome; it is safe for
// concurrent use.
type syncGuard struct {
	mu       sync.Mutex
	released []messages.Outcome
}

func (g *syncGuard) Acquire(context.Context) (engine.Permit, error) { return engine.Permit{}, nil }

func (g *syncGuard) Release(_ engine.Permit, o messages.Outcome) {
	g.mu.Lock()
	g.released = append(g.released, o)
	g.mu.Unlock()
}

func (g *syncGuard) outcomes() []messages.Outcome {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]messages.Outcome(nil), g.released...)
}

// countingListener counts the connections a server accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// countingServer starts h on a loopback server that counts connections.
func countingServer(t *testing.T, h http.Handler) (*httptest.Server, *countingListener) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	cl := &countingListener{Listener: srv.Listener}
	srv.Listener = cl
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cl
}

// everyOther503 answers the odd-numbered requests, counted in n, 503 with
// a body of size "busy "s, and the others 200 "ok".
func everyOther503(n *atomic.Int64, size int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, strings.Repeat("busy ", size))
			return
		}
		io.WriteString(w, "ok")
	}
}

// Issue 17: a request cancelled with a cause (context.WithCancelCause, as
// errgroup cancels its siblings) is the caller's decision, not a backend
// failure.
func TestCancelWithCauseIsIgnored(t *testing.T) {
	entered := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	}))
	defer srv.Close()
	g := &syncGuard{}
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	c := &http.Client{Transport: &httpclient.Transport{Base: base, Guard: g}}
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		<-entered
		cancel(errors.New("a sibling failed"))
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("the cancelled request succeeded")
	}
	if got := g.outcomes(); len(got) != 1 || got[0] != messages.Ignored {
		t.Fatalf("released %v, want [ignored]", got)
	}
}

// bodyCloser records whether its body was closed.
type bodyCloser struct {
	io.Reader
	closed atomic.Bool
}

func (b *bodyCloser) Close() error { b.closed.Store(true); return nil }

// Issue 17: a panicking Classify releases the permit, and the response it
// was judging is closed.
func TestPanickingClassifyReleases(t *testing.T) {
	g := &fakeGuard{}
	body := &bodyCloser{Reader: strings.NewReader("x")}
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: body, Request: req}, nil
	})
	tr := &httpclient.Transport{Base: base, Guard: g, Classify: func(*http.Response, error) messages.Outcome { panic("classify bug") }}
	func() {
		defer func() {
			if r := recover(); r != "classify bug" {
				t.Fatalf("panic: got %v, want it to go on", r)
			}
		}()
		tr.RoundTrip(httptest.NewRequest(http.MethodGet, "http://backend.invalid/", nil))
	}()
	if len(g.released) != 1 || g.released[0] != messages.Failure || !body.closed.Load() {
		t.Fatalf("released %v, body closed %v: want [failure], true", g.released, body.closed.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// Issue 17: a base that breaks the RoundTripper contract by returning a
// response with an error gets its body closed (http.Client drops it).
func TestResponseWithErrorIsClosed(t *testing.T) {
	body := &bodyCloser{Reader: strings.NewReader("x")}
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 502, Body: body, Request: req}, errors.New("proxy broke")
	})
	g := &fakeGuard{}
	resp, err := (&httpclient.Transport{Base: base, Guard: g}).RoundTrip(httptest.NewRequest(http.MethodGet, "http://backend.invalid/", nil))
	if resp != nil || err == nil || !body.closed.Load() {
		t.Fatalf("got %v, %v, closed %v: want nil, the error, true", resp, err, body.closed.Load())
	}
}

// Issue 17: retrying on a status through RetryOnStatus gives every
// discarded response's connection back: 20 calls that each see one 503
// then a 200 use one connection, not one per 503.
func TestRetriedResponsesAreClosed(t *testing.T) {
	var n atomic.Int64
	srv, cl := countingServer(t, everyOther503(&n, 100))
	g := &syncGuard{}
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	c := &http.Client{Transport: &httpclient.Transport{Base: base, Guard: g}}
	r, err := retry.New(nil, "api", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Microsecond}, JitterKind: retry.NoJitter})
	if err != nil {
		t.Fatal(err)
	}
	p := httpclient.RetryOnStatus(retry.For[*http.Response](r), http.StatusServiceUnavailable)
	for i := 0; i < 20; i++ {
		resp, err := p.Do(context.Background(), func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			return c.Do(req)
		})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("call %d: got %d, want 200", i, resp.StatusCode)
		}
	}
	if got := cl.accepted.Load(); got != 1 {
		t.Fatalf("40 attempts opened %d connections, want 1", got)
	}
	if got := len(g.outcomes()); got != 40 {
		t.Fatalf("released %d permits, want 40", got)
	}
}

// Issue 17: the retries ran out on a rejected response: the caller gets it
// in the ExhaustedError, status and body readable (only the dropped
// attempts were closed), and closing it returns the one connection.
func TestRetryIfStatusExhausted(t *testing.T) {
	srv, cl := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, strings.Repeat("down ", 100))
	}))
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	c := &http.Client{Transport: base}
	r, _ := retry.New(nil, "api", retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Microsecond}, JitterKind: retry.NoJitter})
	p := httpclient.RetryOnStatus(retry.For[*http.Response](r), 502, 503)
	for i := 0; i < 3; i++ {
		_, err := p.Do(context.Background(), func(ctx context.Context) (*http.Response, error) { return c.Get(srv.URL) })
		var ex *retry.ExhaustedError
		if !errors.As(err, &ex) {
			t.Fatalf("got %v, want an ExhaustedError", err)
		}
		resp, _ := ex.Result.(*http.Response)
		if resp == nil || resp.StatusCode != 502 {
			t.Fatalf("result %v, want the 502", ex.Result)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil || !strings.HasPrefix(string(b), "down ") {
			t.Fatalf("the last response's body: %q, %v; want it readable", b, err)
		}
		resp.Body.Close()
	}
	if got := cl.accepted.Load(); got != 1 {
		t.Fatalf("6 attempts opened %d connections, want 1", got)
	}
}

// Transport.Validate and a Transport without a guard.
func TestTransportValidate(t *testing.T) {
	var nilGuard *syncGuard
	for _, tc := range []struct {
		name string
		tr   *httpclient.Transport
		ok   bool
	}{
		{"guard", &httpclient.Transport{Guard: &syncGuard{}}, true},
		{"no guard", &httpclient.Transport{}, false},
		{"typed nil guard", &httpclient.Transport{Guard: nilGuard}, false},
	} {
		err := tc.tr.Validate()
		var ce *messages.ConfigError
		if tc.ok != (err == nil) || (err != nil && (!errors.As(err, &ce) || ce.Field != "Transport.Guard")) {
			t.Fatalf("%s: got %v", tc.name, err)
		}
		if tc.ok {
			continue
		}
		body := &bodyCloser{Reader: strings.NewReader("x")}
		req := httptest.NewRequest(http.MethodPost, "http://backend.invalid/", body)
		if _, err := tc.tr.RoundTrip(req); !errors.Is(err, messages.ErrInvalidConfig) || !body.closed.Load() {
			t.Fatalf("%s: RoundTrip got %v, body closed %v", tc.name, err, body.closed.Load())
		}
	}
}
