package httpmw_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// syncGuard admits every request and hands each outcome to the test; it is
// safe for the server's goroutines.
type syncGuard struct{ released chan messages.Outcome }

func newSyncGuard() *syncGuard { return &syncGuard{released: make(chan messages.Outcome, 16)} }

func (g *syncGuard) Acquire(context.Context) (engine.Permit, error) { return engine.Permit{}, nil }

func (g *syncGuard) Release(_ engine.Permit, o messages.Outcome) { g.released <- o }

// next waits for the next release.
func (g *syncGuard) next(t *testing.T) messages.Outcome {
	t.Helper()
	select {
	case o := <-g.released:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no release within 5 s: the permit leaked")
		return 0
	}
}

func newEngine(t *testing.T) *engine.Engine {
	t.Helper()
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Shutdown(context.Background()) })
	return eng
}

// server starts a loopback server for h and a client with its own
// connections, both closed at the end of the test.
func server(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	tr := &http.Transport{}
	t.Cleanup(func() { tr.CloseIdleConnections(); srv.Close() })
	return srv, &http.Client{Transport: tr}
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Issue 14.1: a breaker outside a bulkhead, one middleware each, on a real
// server: the bulkhead's 503s are Bulwark's own refusals and never count
// against the breaker, unless the user says so.
func TestStackedGuardsRefusalIsNeutral(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      httpmw.Options
		wantState circuitbreaker.State
	}{
		{"default", httpmw.Options{}, circuitbreaker.Closed},
		{"counted by choice", httpmw.Options{ClassifyRefusal: func(error) messages.Outcome { return messages.Failure }}, circuitbreaker.Open},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := newEngine(t)
			cb, err := circuitbreaker.New(eng, "backend", circuitbreaker.Config{FailureThreshold: 3})
			if err != nil {
				t.Fatal(err)
			}
			bh, err := bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 1})
			if err != nil {
				t.Fatal(err)
			}
			entered, release := make(chan struct{}), make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				entered <- struct{}{}
				<-release
			})
			outer, err := httpmw.New(cb, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			srv, c := server(t, outer(httpmw.Guard(bh, httpmw.Options{})(h)))
			var once sync.Once
			unblock := func() { once.Do(func() { close(release) }) }
			t.Cleanup(unblock) // before the server closes
			done := make(chan int, 1)
			go func() {
				code := 0
				if resp, err := c.Get(srv.URL); err == nil {
					code = resp.StatusCode
					resp.Body.Close()
				}
				done <- code
			}()
			<-entered // the bulkhead's one slot is taken
			for i := 0; i < 5; i++ {
				code, body := get(t, c, srv.URL)
				want := "bulkhead"
				if i >= 3 && tc.wantState == circuitbreaker.Open {
					want = "circuitbreaker"
				}
				if code != 503 || !strings.Contains(body, want) {
					t.Fatalf("request %d: got %d %s, want the %s's 503", i, code, body, want)
				}
			}
			unblock()
			if code := <-done; code != 200 {
				t.Fatalf("held request: got %d, want 200", code)
			}
			st, err := cb.Stats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.State != tc.wantState {
				t.Fatalf("breaker after 5 bulkhead refusals: got %v (failed %d, ignored %d), want %v", st.State, st.Failed, st.Ignored, tc.wantState)
			}
		})
	}
}

// Issue 14.1: a handler that answers with WriteError for a refusal of a
// pattern it calls (an inner circuit open) marks the response too.
func TestWriteErrorRefusalIsNeutralToOuterGuard(t *testing.T) {
	got := guardedOutcome(t, 503, func(w http.ResponseWriter, r *http.Request) {
		httpmw.WriteError(w, &messages.RejectedError{Err: messages.ErrCircuitOpen, Pattern: "circuitbreaker", Name: "db"})
	})
	if got != messages.Ignored {
		t.Fatalf("outer outcome: got %v, want ignored", got)
	}
}

// guardedOutcome serves one request to h under a guard on a loopback
// server, checks its status and returns the guard's outcome.
func guardedOutcome(t *testing.T, wantCode int, h http.HandlerFunc) messages.Outcome {
	t.Helper()
	g := newSyncGuard()
	srv, c := server(t, httpmw.Guard(g, httpmw.Options{})(h))
	if code, _ := get(t, c, srv.URL); code != wantCode {
		t.Fatalf("got %d, want %d", code, wantCode)
	}
	return g.next(t)
}

// Issue 14.8: a nil guard fails at setup, not on the first request.
func TestNilGuardFailsAtSetup(t *testing.T) {
	var nilBreaker *circuitbreaker.Breaker
	for _, tc := range []struct {
		name string
		g    engine.Guard
	}{{"nil", nil}, {"typed nil", nilBreaker}} {
		_, err := httpmw.New(tc.g, httpmw.Options{})
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Guard" {
			t.Fatalf("%s: New got %v, want a ConfigError naming Guard", tc.name, err)
		}
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Fatalf("%s: Guard did not panic at setup", tc.name)
				} else if err, _ := r.(error); !errors.Is(err, messages.ErrInvalidConfig) {
					t.Fatalf("%s: Guard panicked with %v, want a ConfigError", tc.name, r)
				}
			}()
			httpmw.Guard(tc.g, httpmw.Options{})
		}()
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		opts  httpmw.Options
		field string
	}{
		{httpmw.Options{}, ""},
		{httpmw.Options{ExcludePaths: []string{}}, ""},
		{httpmw.Options{ExcludePaths: []string{"/health", "/x/y"}}, ""},
		{httpmw.Options{ExcludePaths: []string{"health"}}, "ExcludePaths"},
		{httpmw.Options{ExcludePaths: []string{""}}, "ExcludePaths"},
		{httpmw.Options{ExcludePaths: make([]string, httpmw.LongestExcludePaths+1)}, "ExcludePaths"},
	} {
		err := tc.opts.Validate()
		var ce *messages.ConfigError
		got := ""
		if errors.As(err, &ce) {
			got = ce.Field
		} else if err != nil {
			t.Fatalf("%v: got %v, want a *ConfigError", tc.opts.ExcludePaths, err)
		}
		if got != tc.field {
			t.Fatalf("%.40v: got field %q (%v), want %q", tc.opts.ExcludePaths, got, err, tc.field)
		}
		if _, nerr := httpmw.New(newSyncGuard(), tc.opts); (nerr == nil) != (tc.field == "") {
			t.Fatalf("%.40v: New got %v, Validate %v", tc.opts.ExcludePaths, nerr, err)
		}
	}
}

// rateGuard limits every request under a rate string, as a hand-written
// per-route limit does.
type rateGuard struct {
	l    *ratelimit.Limiter
	rate string
}

func (g rateGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	return engine.Permit{}, g.l.Allow(ctx, "k", g.rate)
}

func (g rateGuard) Release(engine.Permit, messages.Outcome) {}

// Issue 14.9: a malformed rate is an error the user sees — through
// OnError on every request, or logged once by default — not a silent 500.
func TestGuardErrorIsReported(t *testing.T) {
	eng := newEngine(t)
	l, err := ratelimit.New(eng, "api", ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	g := rateGuard{l: l, rate: "10/week"}

	var seen []error
	var mu sync.Mutex
	h := httpmw.Guard(g, httpmw.Options{OnError: func(r *http.Request, err error) {
		mu.Lock()
		seen = append(seen, err)
		mu.Unlock()
	}})(http.NotFoundHandler())
	srv, c := server(t, h)
	for i := 0; i < 3; i++ {
		if code, body := get(t, c, srv.URL); code != 500 || strings.Contains(body, "week") {
			t.Fatalf("got %d %q, want a bare 500", code, body)
		}
	}
	mu.Lock()
	var re *ratelimit.RateError
	if len(seen) != 3 || !errors.As(seen[0], &re) {
		t.Fatalf("OnError got %v, want the RateError 3 times", seen)
	}
	mu.Unlock()

	var buf bytes.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&buf)
	h = httpmw.Guard(g, httpmw.Options{})(http.NotFoundHandler())
	for i := 0; i < 3; i++ {
		serve(h, "/api")
	}
	if got := strings.Count(buf.String(), `invalid rate "10/week"`); got != 1 {
		t.Fatalf("default log: got %d lines naming the rate, want 1:\n%s", got, buf.String())
	}
	// Refusals and the request's own end are answers, not errors to report.
	buf.Reset()
	for _, err := range []error{messages.ErrShed, context.DeadlineExceeded} {
		serve(httpmw.Guard(&fakeGuard{reject: err}, httpmw.Options{})(http.NotFoundHandler()), "/api")
	}
	if buf.Len() != 0 {
		t.Fatalf("logged a refusal: %s", buf.String())
	}
}

// Issue 17: informational responses are not the final status.
func TestEarlyHintsThenFailure(t *testing.T) {
	got := guardedOutcome(t, 500, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusInternalServerError)
	})
	if got != messages.Failure {
		t.Fatalf("103 then 500: got %v, want failure", got)
	}
}

// Issue 17: a request whose deadline ends while it waits in a bulkhead's
// queue gets 504; only a client that went away gets no answer.
func TestDeadlineWhileQueuedGets504(t *testing.T) {
	eng := newEngine(t)
	bh, err := bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 1, MaxWaiting: 1})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var calls sync.WaitGroup
	h := httpmw.Guard(bh, httpmw.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	withDeadline := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/short" {
			ctx, cancel := context.WithTimeout(r.Context(), 30*time.Millisecond)
			defer cancel()
			r = r.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
	})
	srv, c := server(t, withDeadline)
	calls.Add(1)
	go func() {
		defer calls.Done()
		get(t, c, srv.URL+"/hold")
	}()
	<-entered
	code, body := get(t, c, srv.URL+"/short")
	close(release)
	calls.Wait()
	if code != http.StatusGatewayTimeout || body == "" {
		t.Fatalf("deadline in the queue: got %d %q, want 504 with a body", code, body)
	}
}

// Issue 17: behind http.TimeoutHandler a server-side timeout is a failure.
func TestTimeoutHandlerTimeoutIsFailure(t *testing.T) {
	g := newSyncGuard()
	hung := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		w.WriteHeader(500)
	})
	srv, c := server(t, http.TimeoutHandler(httpmw.Guard(g, httpmw.Options{})(hung), 20*time.Millisecond, "timeout"))
	if code, _ := get(t, c, srv.URL); code != 503 {
		t.Fatalf("got %d, want TimeoutHandler's 503", code)
	}
	if got := g.next(t); got != messages.Failure {
		t.Fatalf("server timeout: got %v, want failure", got)
	}
}

// Issue 17: through httputil.ReverseProxy, a client that leaves mid-body
// (the proxy panics with http.ErrAbortHandler) is neutral; a backend that
// dies mid-body is a failure.
func TestReverseProxyAbort(t *testing.T) {
	for _, tc := range []struct {
		name        string
		backendDies bool
		want        messages.Outcome
	}{
		{"client leaves", false, messages.Ignored},
		{"backend dies", true, messages.Failure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := make(chan struct{})
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000000")
				w.WriteHeader(200)
				io.WriteString(w, "first chunk\n")
				w.(http.Flusher).Flush()
				if tc.backendDies {
					conn, _, _ := http.NewResponseController(w).Hijack()
					conn.Close()
					return
				}
				select {
				case <-r.Context().Done():
				case <-stop:
				}
			}))
			defer backend.Close()
			defer close(stop)
			u, _ := url.Parse(backend.URL)
			proxy := httputil.NewSingleHostReverseProxy(u)
			proxy.ErrorLog = log.New(io.Discard, "", 0)
			btr := &http.Transport{}
			defer btr.CloseIdleConnections()
			proxy.Transport = btr
			proxy.FlushInterval = -1
			g := newSyncGuard()
			srv := httptest.NewUnstartedServer(httpmw.Guard(g, httpmw.Options{})(proxy))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			srv.Start()
			defer srv.Close()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			resp, err := (&http.Client{Transport: tr}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if line, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil || line != "first chunk\n" {
				t.Fatalf("first chunk: %q %v", line, err)
			}
			if !tc.backendDies {
				cancel() // the client goes away
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if got := g.next(t); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// unwrapOnly hides the writer's methods except through Unwrap, as many
// logging middlewares do.
type unwrapOnly struct{ w http.ResponseWriter }

func (u unwrapOnly) Header() http.Header         { return u.w.Header() }
func (u unwrapOnly) Write(b []byte) (int, error) { return u.w.Write(b) }
func (u unwrapOnly) WriteHeader(code int)        { u.w.WriteHeader(code) }
func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.w }

// Issue 17: streaming and upgrades work through the middleware.
func TestFlushAndHijackThroughGuard(t *testing.T) {
	g := newSyncGuard()
	flushed := make(chan struct{})
	h := httpmw.Guard(g, httpmw.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sse":
			io.WriteString(w, "event\n")
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
			select { // the client has read the flushed event, or given up
			case <-flushed:
			case <-r.Context().Done():
			}
		case "/ws":
			hj, ok := w.(http.Hijacker)
			if !ok {
				t.Errorf("w is not an http.Hijacker")
				w.WriteHeader(500)
				return
			}
			conn, buf, err := hj.Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
			buf.Flush()
			conn.Close()
		}
	}))
	srv, c := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(unwrapOnly{w}, r)
	}))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sse", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	close(flushed)
	if err != nil || line != "event\n" {
		t.Fatalf("flushed event: got %q %v", line, err)
	}
	if got := g.next(t); got != messages.Success {
		t.Fatalf("stream: got %v, want success", got)
	}
	resp.Body.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("upgrade: got %q %v", status, err)
	}
	if got := g.next(t); got != messages.Success {
		t.Fatalf("upgrade: got %v, want success", got)
	}
}

// failingFlusher is a writer whose flush fails, as the server's does once
// the client has gone.
type failingFlusher struct {
	*httptest.ResponseRecorder
}

var errFlush = errors.New("flush: broken pipe")

func (f failingFlusher) FlushError() error { return errFlush }

// Issue 17: the server's flush error reaches the handler.
func TestFlushErrorReachesHandler(t *testing.T) {
	g := &fakeGuard{}
	var got error
	h := httpmw.Guard(g, httpmw.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = http.NewResponseController(w).Flush()
	}))
	h.ServeHTTP(failingFlusher{httptest.NewRecorder()}, httptest.NewRequest(http.MethodGet, "/sse", nil))
	if !errors.Is(got, errFlush) {
		t.Fatalf("flush through the guard: got %v, want %v", got, errFlush)
	}
	if len(g.released) != 1 || g.released[0] != messages.Ignored {
		t.Fatalf("a flush that failed (client gone): released %v, want [ignored]", g.released)
	}
}

// Issue 17: a panicking Classify still releases the permit.
func TestPanickingClassifyReleases(t *testing.T) {
	g := &fakeGuard{}
	h := httpmw.Guard(g, httpmw.Options{Classify: func(int) messages.Outcome { panic("classify bug") }})(http.NotFoundHandler())
	func() {
		defer func() {
			if r := recover(); r != "classify bug" {
				t.Fatalf("panic: got %v, want it to go on", r)
			}
		}()
		serve(h, "/api")
	}()
	if len(g.released) != 1 || g.released[0] != messages.Failure {
		t.Fatalf("released %v, want [failure]", g.released)
	}
}

// Issue 17: WriteError never writes an error's own text, and takes a
// RejectedError without a sentinel.
func TestWriteErrorLeaksNoText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		want string
	}{
		{&messages.RejectedError{Err: errors.New("db-7.corp.internal refused user alice"), Pattern: "custom", Name: "quota"}, 500, "Internal Server Error"},
		{&messages.RejectedError{Pattern: "custom", Name: "quota"}, 500, "Internal Server Error"},
		{&messages.RejectedError{Err: messages.ErrShed, Pattern: "loadshed", Name: "s"}, 503, "bulwark: load shed"},
		{messages.ErrCircuitOpen, 503, "bulwark: circuit open"},
		{errors.New("secret internal detail"), 500, "Internal Server Error"},
	} {
		w := httptest.NewRecorder()
		httpmw.WriteError(w, tc.err)
		body := w.Body.String()
		if w.Code != tc.code || !strings.Contains(body, `"error":"`+tc.want+`"`) {
			t.Errorf("%v: got %d %s, want %d error %q", tc.err, w.Code, body, tc.code, tc.want)
		}
		if strings.Contains(body, "alice") || strings.Contains(body, "secret") {
			t.Errorf("%v: the error's text leaked: %s", tc.err, body)
		}
	}
}

// Issue 17: a refusal that carries no wait of its own gets the configured
// Retry-After hint (DefaultRetryAfterHint if none); a computed wait is
// kept; an error that is no refusal gets none.
func TestRetryAfterHint(t *testing.T) {
	for _, tc := range []struct {
		err  error
		hint time.Duration
		want string
	}{
		{&messages.RejectedError{Err: messages.ErrBulkheadFull, Pattern: "bulkhead", Name: "db"}, 2 * time.Second, "2"},
		{messages.ErrShed, 1500 * time.Millisecond, "2"},
		{&messages.RejectedError{Err: messages.ErrBulkheadFull, Pattern: "bulkhead", Name: "db"}, 0, "1"},
		{&messages.RejectedError{Err: messages.ErrCircuitOpen, Pattern: "circuitbreaker", Name: "db", RetryAfter: 5 * time.Second}, 2 * time.Second, "5"},
		{context.DeadlineExceeded, 2 * time.Second, ""},
		{errors.New("broken"), 2 * time.Second, ""},
	} {
		h := httpmw.Guard(&fakeGuard{reject: tc.err}, httpmw.Options{RetryAfterHint: tc.hint})(http.NotFoundHandler())
		if got := serve(h, "/api").Header().Get("Retry-After"); got != tc.want {
			t.Errorf("%v, hint %v: Retry-After got %q, want %q", tc.err, tc.hint, got, tc.want)
		}
	}
	for _, hint := range []time.Duration{-time.Second, httpmw.LargestRetryAfterHint + 1} {
		var ce *messages.ConfigError
		if err := (httpmw.Options{RetryAfterHint: hint}).Validate(); !errors.As(err, &ce) || ce.Field != "RetryAfterHint" {
			t.Errorf("hint %v: got %v, want a ConfigError naming RetryAfterHint", hint, err)
		}
	}
}

// Issue 17: a streamed response holds its bulkhead slot for its whole life
// and gives it back once, when the handler returns.
func TestStreamHoldsItsSlot(t *testing.T) {
	eng := newEngine(t)
	bh, err := bulkhead.New(eng, "sse", bulkhead.Config{MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	more := make(chan struct{})
	h := httpmw.Guard(bh, httpmw.Options{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := 0; i < 3; i++ {
			io.WriteString(w, "data: tick\n\n")
			if err := rc.Flush(); err != nil {
				return
			}
			select {
			case <-more:
			case <-r.Context().Done():
				return
			}
		}
	}))
	srv, c := server(t, h)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(more) }) })
	resp, err := c.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(resp.Body)
	for i := 0; i < 2; i++ {
		if line, err := rd.ReadString('\n'); err != nil || line != "data: tick\n" {
			t.Fatalf("event %d: got %q %v", i, line, err)
		}
		rd.ReadString('\n')
		if code, _ := get(t, c, srv.URL+"/other"); code != 503 {
			t.Fatalf("while streaming: got %d, want 503 (the slot is held)", code)
		}
		more <- struct{}{}
	}
	once.Do(func() { close(more) })
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The permit is released inside ServeHTTP, before the server ends the
	// response, so the slot is back once the client has read the end.
	if code, _ := get(t, c, srv.URL+"/other"); code != 200 {
		t.Fatalf("after the stream ended: got %d, want 200 (the slot came back)", code)
	}
}
