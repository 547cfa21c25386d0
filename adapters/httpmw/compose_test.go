package httpmw_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// do sends a GET for path with an X-Forwarded-For of client (believed:
// the tests' servers trust loopback) and returns the response, its body
// read and closed.
func do(t *testing.T, c *http.Client, url, client string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// must returns v, or panics with err: for a test's setup.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// One composite middleware on a loopback server, with the real patterns:
// a per-client rate limit answers 429 with Retry-After and the RateLimit
// fields; 5xx responses open the breaker, which then answers 503 with its
// time left; the rate limit's refusals never count against the breaker.
func TestComposeRateLimitAndBreaker(t *testing.T) {
	eng := newEngine(t)
	cb := must(circuitbreaker.New(eng, "backend", circuitbreaker.Config{FailureThreshold: 2, RecoveryTimeout: 30 * time.Second}))
	l := must(ratelimit.New(eng, "api", ratelimit.Config{}))
	key := must(httpmw.ClientIP(netip.MustParsePrefix("127.0.0.0/8")))
	rg := must(httpmw.NewRateGuard(l, httpmw.Rates{Default: "2/minute"}, key))
	mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{CircuitBreaker: cb, RateLimiter: rg}, httpmw.Options{}))
	var fail atomic.Bool
	srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		io.WriteString(w, "ok")
	})))

	for i := 0; i < 2; i++ {
		if resp, body := do(t, c, srv.URL, "192.0.2.1"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: got %d %q", i, resp.StatusCode, body)
		}
	}
	resp, _ := do(t, c, srv.URL, "192.0.2.1")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("RateLimit") != `"default";r=0;t=`+resp.Header.Get("Retry-After") ||
		resp.Header.Get("RateLimit-Policy") != `"default";q=2;w=60` {
		t.Fatalf("third request: got %d, Retry-After %q, RateLimit %q, RateLimit-Policy %q",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("RateLimit"), resp.Header.Get("RateLimit-Policy"))
	}
	if resp, _ := do(t, c, srv.URL, "192.0.2.2"); resp.StatusCode != 200 {
		t.Fatalf("another client: got %d, want 200 (its own limit)", resp.StatusCode)
	}
	st := must(cb.Stats(context.Background()))
	if st.Failed != 0 || st.State != circuitbreaker.Closed {
		t.Fatalf("breaker after a 429: failed %d, state %v", st.Failed, st.State)
	}

	fail.Store(true)
	for _, client := range []string{"192.0.2.3", "192.0.2.4"} {
		if resp, _ := do(t, c, srv.URL, client); resp.StatusCode != 502 {
			t.Fatalf("failing backend: got %d, want its 502", resp.StatusCode)
		}
	}
	resp, body := do(t, c, srv.URL, "192.0.2.5")
	if resp.StatusCode != 503 || !strings.Contains(body, "circuit open") || resp.Header.Get("Retry-After") != "30" {
		t.Fatalf("open breaker: got %d %q, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
}

// Per-route rates: a rate per ServeMux pattern (with or without a method),
// found inside the mux through Request.Pattern or outside it through
// Rates.Mux; each route has its own limit per client, and the RateLimit
// fields name the route.
func TestRatesPerRoute(t *testing.T) {
	eng := newEngine(t)
	l := must(ratelimit.New(eng, "routes", ratelimit.Config{}))
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	rates := httpmw.Rates{Default: "3/minute", Routes: map[string]string{
		"GET /orders/{id}": "1/minute", // a pattern with its method
		"POST /cart/":      "2/minute", // a method before a pattern without one
	}}
	inside := http.NewServeMux()
	outside := http.NewServeMux()
	for _, mux := range []*http.ServeMux{inside, outside} {
		mux.Handle("GET /orders/{id}", ok)
		mux.Handle("/cart/", ok)
		mux.Handle("/", ok)
	}
	rates.Mux = outside
	outer := must(httpmw.RateLimit(l, rates, nil, httpmw.Options{}))
	rates.Mux = nil
	perHandler := must(httpmw.RateLimit(l, rates, func(r *http.Request) string { return "inside" }, httpmw.Options{}))
	wrapped := http.NewServeMux()
	wrapped.Handle("GET /orders/{id}", perHandler(ok))
	wrapped.Handle("/cart/", perHandler(ok))
	wrapped.Handle("/", perHandler(ok))

	for name, h := range map[string]http.Handler{"outside the mux": outer(outside), "inside the mux": wrapped} {
		srv, c := server(t, h)
		send := func(method, path string) *http.Response {
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		codes := func(method, path string, n int) []int {
			var got []int
			for range n {
				got = append(got, send(method, path).StatusCode)
			}
			return got
		}
		check := func(what string, got, want []int) {
			t.Helper()
			if !slicesEqual(got, want) {
				t.Fatalf("%s, %s: got %v, want %v", name, what, got, want)
			}
		}
		check("GET /orders/7", codes("GET", "/orders/7", 2), []int{200, 429})
		check("POST /cart/x", codes("POST", "/cart/x", 3), []int{200, 200, 429})
		check("GET /cart/x (default)", codes("GET", "/cart/x", 2), []int{200, 200})
		check("GET /other (default, shared)", codes("GET", "/other", 2), []int{200, 429})
		resp := send("GET", "/orders/8")
		if got := resp.Header.Get("RateLimit-Policy"); got != `"GET /orders/{id}";q=1;w=60` {
			t.Fatalf("%s: RateLimit-Policy %q", name, got)
		}
	}
	if _, err := httpmw.NewRateGuard(l, httpmw.Rates{Routes: map[string]string{"/a": "5/fortnight"}}, nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("a malformed route rate: got %v", err)
	}
	var ce *messages.ConfigError
	if _, err := httpmw.NewRateGuard(nil, httpmw.Rates{}, nil); !errors.As(err, &ce) || ce.Field != "Limiter" {
		t.Fatalf("nil limiter: got %v", err)
	}
	rg := must(httpmw.NewRateGuard(l, httpmw.Rates{Default: "1/s"}, nil))
	if _, err := rg.Acquire(context.Background()); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("RateGuard outside Compose: got %v", err)
	}
}

// quietServer is server whose log of handler panics is discarded.
func quietServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	tr := &http.Transport{}
	t.Cleanup(func() { tr.CloseIdleConnections(); srv.Close() })
	return srv, &http.Client{Transport: tr}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A timeout stage ends a hung handler's request with 504 and the breaker
// above it counts the timeout as a failure; an abandoned handler's late
// writes are dropped (the race detector checks they never race net/http).
func TestComposeTimeout(t *testing.T) {
	for _, cooperative := range []bool{true, false} {
		eng := newEngine(t)
		cb := must(circuitbreaker.New(eng, "slow", circuitbreaker.Config{FailureThreshold: 5}))
		to := must(timeout.New(eng, "request", timeout.Config{Timeout: 20 * time.Millisecond, Cooperative: cooperative}))
		mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{CircuitBreaker: cb, Timeout: timeout.For[httpmw.Served](to)}, httpmw.Options{}))
		late := make(chan error, 1)
		release := make(chan struct{})
		srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cooperative {
				<-r.Context().Done()
				return
			}
			<-release // ignores its context
			w.Header().Set("X-Late", "1")
			_, err := io.WriteString(w, "too late")
			late <- err
		})))
		resp, body := do(t, c, srv.URL, "")
		if resp.StatusCode != 504 || !strings.Contains(body, "timeout") || resp.Header.Get("X-Late") != "" {
			t.Fatalf("cooperative %v: got %d %q", cooperative, resp.StatusCode, body)
		}
		if !cooperative {
			close(release)
			if err := <-late; !errors.Is(err, http.ErrHandlerTimeout) {
				t.Fatalf("abandoned handler's write: got %v, want http.ErrHandlerTimeout", err)
			}
		}
		st := must(cb.Stats(context.Background()))
		if st.Failed != 1 {
			t.Fatalf("cooperative %v: breaker failed %d, want 1 (the timeout)", cooperative, st.Failed)
		}
	}
}

// The concurrency guards hold a slot for the request's whole life; a full
// bulkhead's 503 carries the Retry-After hint and is neutral to the
// breaker; a panic is a failure and goes on to net/http once the slot is
// back; a fallback answers a refused request with its status.
func TestComposeBulkheadPanicFallback(t *testing.T) {
	eng := newEngine(t)
	cb := must(circuitbreaker.New(eng, "api", circuitbreaker.Config{FailureThreshold: 5}))
	bh := must(bulkhead.New(eng, "api", bulkhead.Config{MaxInFlight: 1}))
	mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{CircuitBreaker: cb, Admission: []engine.Guard{bh}}, httpmw.Options{RetryAfterHint: 3 * time.Second}))
	entered, release := make(chan struct{}), make(chan struct{})
	srv, c := quietServer(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hold":
			entered <- struct{}{}
			<-release
		case "/panic":
			panic("handler bug")
		}
	})))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	held := make(chan int, 1)
	go func() {
		resp, err := c.Get(srv.URL + "/hold")
		if err != nil {
			held <- 0
			return
		}
		resp.Body.Close()
		held <- resp.StatusCode
	}()
	<-entered
	resp, body := do(t, c, srv.URL+"/x", "")
	if resp.StatusCode != 503 || !strings.Contains(body, "bulkhead") || resp.Header.Get("Retry-After") != "3" {
		t.Fatalf("full bulkhead: got %d %q, Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	once.Do(func() { close(release) })
	if code := <-held; code != 200 {
		t.Fatalf("held request: got %d", code)
	}
	// A POST, which the client does not resend when the connection breaks.
	if _, err := c.Post(srv.URL+"/panic", "text/plain", strings.NewReader("x")); err == nil {
		t.Fatal("a panicking handler's request succeeded")
	}
	st := must(cb.Stats(context.Background()))
	if st.Failed != 1 || st.Ignored != 1 {
		t.Fatalf("breaker: failed %d, ignored %d: want 1 (the panic), 1 (the bulkhead)", st.Failed, st.Ignored)
	}
	if resp, _ := do(t, c, srv.URL+"/x", ""); resp.StatusCode != 200 {
		t.Fatalf("after the panic: got %d, want 200 (the slot came back)", resp.StatusCode)
	}

	fb := must(fallback.New(eng, "degraded", fallback.Config[httpmw.Served]{Chain: []fallback.Func[httpmw.Served]{fallback.Value(httpmw.Served{Status: http.StatusNoContent})}}))
	mw = must(httpmw.Compose(engine.Policies[httpmw.Served]{Fallback: fb, Admission: []engine.Guard{&fakeGuard{reject: messages.ErrShed}}}, httpmw.Options{}))
	w := serve(mw(http.NotFoundHandler()), "/x")
	if w.Code != http.StatusNoContent {
		t.Fatalf("fallback: got %d, want 204", w.Code)
	}
}

// Compose refuses a retry and the middleware's own classifiers; in a
// Composed chain a retry never runs the handler twice.
func TestComposeConfig(t *testing.T) {
	eng := newEngine(t)
	r := must(retry.New(eng, "r", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Microsecond}}))
	for _, tc := range []struct {
		p     engine.Policies[httpmw.Served]
		opts  httpmw.Options
		field string
	}{
		{engine.Policies[httpmw.Served]{Retry: retry.For[httpmw.Served](r)}, httpmw.Options{}, "Policies.Retry"},
		{engine.Policies[httpmw.Served]{}, httpmw.Options{Classify: httpmw.ClassifyStatus}, "Options.Classify"},
		{engine.Policies[httpmw.Served]{}, httpmw.Options{ClassifyRefusal: messages.ClassifyError}, "Options.ClassifyRefusal"},
		{engine.Policies[httpmw.Served]{}, httpmw.Options{RetryAfterHint: -1}, "RetryAfterHint"},
	} {
		var ce *messages.ConfigError
		if _, err := httpmw.Compose(tc.p, tc.opts); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("got %v, want a ConfigError naming %s", err, tc.field)
		}
	}
	if _, err := httpmw.Composed(nil, httpmw.Options{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("nil composition: got %v", err)
	}

	ran := 0
	chain := engine.Chain(engine.UsePolicy[httpmw.Served](retry.For[httpmw.Served](r).RetryIfResult(func(s httpmw.Served) bool { return s.Status >= 500 })))
	mw := must(httpmw.Composed(chain, httpmw.Options{}))
	w := serve(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		w.WriteHeader(http.StatusInternalServerError)
	})), "/x")
	if ran != 1 || w.Code != 500 {
		t.Fatalf("a retry in the chain: the handler ran %d times, status %d: want once, 500", ran, w.Code)
	}
}

// DefaultExcludePaths hands out a copy: changing it changes no middleware.
func TestDefaultExcludePathsIsACopy(t *testing.T) {
	p := httpmw.DefaultExcludePaths()
	p[0] = "/api"
	if httpmw.DefaultExcludePaths()[0] != "/health" {
		t.Fatal("DefaultExcludePaths changed")
	}
	g := &fakeGuard{reject: messages.ErrShed}
	if code := serve(httpmw.Guard(g, httpmw.Options{})(http.NotFoundHandler()), "/api").Code; code != 503 {
		t.Fatalf("/api: got %d, want the guard's 503", code)
	}
	if code := serve(httpmw.Guard(g, httpmw.Options{})(http.NotFoundHandler()), "/health").Code; code != 404 {
		t.Fatalf("/health: got %d, want the handler's 404 (excluded)", code)
	}
}

// gateGuard admits once its gate opens and reports each release.
type gateGuard struct {
	gate     chan struct{}
	released chan messages.Outcome
}

func (g *gateGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	<-g.gate // ignores ctx: the grant comes after the timeout fired
	return engine.Permit{}, nil
}

func (g *gateGuard) Release(_ engine.Permit, o messages.Outcome) { g.released <- o }

// A handler whose request a timeout stage answered before the handler
// began never runs: its permit comes back unused.
func TestComposeNoHandlerAfterTheAnswer(t *testing.T) {
	eng := newEngine(t)
	to := must(timeout.New(eng, "t", timeout.Config{Timeout: 10 * time.Millisecond}))
	g := &gateGuard{gate: make(chan struct{}), released: make(chan messages.Outcome, 1)}
	mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{Timeout: timeout.For[httpmw.Served](to), Admission: []engine.Guard{g}}, httpmw.Options{}))
	var ran atomic.Bool
	srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran.Store(true) })))
	if resp, _ := do(t, c, srv.URL, ""); resp.StatusCode != 504 {
		t.Fatalf("got %d, want 504", resp.StatusCode)
	}
	close(g.gate)
	select {
	case <-g.released:
	case <-time.After(5 * time.Second):
		t.Fatal("the permit was not released")
	}
	if ran.Load() {
		t.Fatal("the handler ran after its request was answered")
	}
}

var _ httpmw.PriorityAcquirer = (*loadshed.Shedder)(nil)

// prioRecorder admits every call and records its priority.
type prioRecorder struct{ got chan messages.Priority }

func (p *prioRecorder) AcquirePriority(ctx context.Context, pr messages.Priority) (engine.Permit, error) {
	p.got <- pr
	return engine.Permit{}, nil
}

func (p *prioRecorder) Release(engine.Permit, messages.Outcome) {}

// Prioritized gives a load shedder each request's priority from its
// header; a missing or unknown value, or no request, is Normal.
func TestPrioritized(t *testing.T) {
	rec := &prioRecorder{got: make(chan messages.Priority, 1)}
	g := httpmw.Prioritized(rec, httpmw.PriorityHeader("X-Priority"))
	mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{Admission: []engine.Guard{g}}, httpmw.Options{}))
	h := mw(http.NotFoundHandler())
	for _, tc := range []struct {
		header string
		want   messages.Priority
	}{{"critical", messages.Critical}, {"low", messages.Low}, {"", messages.Normal}, {"urgent!", messages.Normal}} {
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		r.Header.Set("X-Priority", tc.header)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got := <-rec.got; got != tc.want {
			t.Fatalf("X-Priority %q: got %v, want %v", tc.header, got, tc.want)
		}
	}
	g.Acquire(context.Background())
	if got := <-rec.got; got != messages.Normal {
		t.Fatalf("no request: got %v, want normal", got)
	}
}

// Streaming and upgrades work through Compose: a flushed event reaches
// the client while the handler still runs, and a handler can take the
// connection over (http.ResponseController through the middleware's
// writers).
func TestComposeStreamAndHijack(t *testing.T) {
	g := newSyncGuard()
	mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{Admission: []engine.Guard{g}}, httpmw.Options{}))
	more := make(chan struct{})
	srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.URL.Path == "/upgrade" {
			conn, buf, err := rc.Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nhello")
			buf.Flush()
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		if err := rc.Flush(); err != nil {
			t.Error(err)
			return
		}
		<-more
	})))
	resp, err := c.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: one\n" {
		t.Fatalf("event: got %q %v", line, err)
	}
	close(more) // the handler was still running when the event arrived
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if o := g.next(t); o != messages.Success {
		t.Fatalf("stream outcome: %v", o)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	b, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(b), "HTTP/1.1 101") || !strings.HasSuffix(string(b), "hello") {
		t.Fatalf("upgrade: got %q", b)
	}
	if o := g.next(t); o != messages.Success {
		t.Fatalf("upgrade outcome: %v", o)
	}
}
