package httpclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/adapters/httpclient"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func newEngine(t *testing.T, opts ...engine.Option) *engine.Engine {
	t.Helper()
	eng, err := engine.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Shutdown(context.Background()) })
	return eng
}

// fastRetry is a schedule of n attempts with waits of a microsecond.
func fastRetry(n int) retry.Config {
	return retry.Config{Backoff: retry.Backoff{MaxAttempts: n, InitialDelay: time.Microsecond, MaxDelay: time.Millisecond}, JitterKind: retry.NoJitter}
}

// client returns a client over a RetryTransport with its own connections.
func retryClient(t *testing.T, eng *engine.Engine, cfg httpclient.RetryConfig) *http.Client {
	t.Helper()
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rt, err := httpclient.NewRetryTransport(eng, base, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: rt}
}

// flaky answers each request's first failures attempts with status, then
// 200 with the request's body echoed; it counts every request.
type flaky struct {
	status   int
	failures int64
	header   http.Header
	seen     atomic.Int64
	mu       sync.Mutex
	bodies   []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(b))
	f.mu.Unlock()
	if n := f.seen.Add(1); n <= f.failures {
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(f.status)
		io.WriteString(w, strings.Repeat("busy ", 200))
		return
	}
	io.WriteString(w, "ok:"+string(b))
}

// Retried statuses are retried and every failed attempt's connection goes
// back to the pool: 20 requests that each see one 503 use one connection.
func TestRetryTransportRetriesAndReusesConnections(t *testing.T) {
	eng := newEngine(t)
	var n atomic.Int64
	srv, cl := countingServer(t, everyOther503(&n, 200))
	c := retryClient(t, eng, httpclient.RetryConfig{Retry: fastRetry(3)})
	for i := 0; i < 20; i++ {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ok" {
			t.Fatalf("request %d: got %d %q", i, resp.StatusCode, b)
		}
	}
	if got := n.Load(); got != 40 {
		t.Fatalf("%d attempts, want 40", got)
	}
	if got := cl.accepted.Load(); got != 1 {
		t.Fatalf("40 attempts opened %d connections, want 1", got)
	}
}

// Only requests that may be replayed are retried: a POST without an
// Idempotency-Key is sent once; one with a key is retried with its body
// replayed; a body without GetBody is sent once.
func TestRetryTransportReplaysOnlyIdempotent(t *testing.T) {
	eng := newEngine(t)
	for _, tc := range []struct {
		name    string
		req     func(url string) *http.Request
		want    int
		tries   int64
		replays bool
	}{
		{"POST", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("order"))
			return r
		}, 503, 1, false},
		{"POST with Idempotency-Key", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("order"))
			r.Header.Set("Idempotency-Key", "k-1")
			return r
		}, 200, 2, true},
		{"PUT without GetBody", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPut, url, io.NopCloser(strings.NewReader("order")))
			return r
		}, 503, 1, false},
		{"PUT", func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodPut, url, strings.NewReader("order"))
			return r
		}, 200, 2, true},
	} {
		f := &flaky{status: 503, failures: 1}
		srv, _ := countingServer(t, f)
		c := retryClient(t, eng, httpclient.RetryConfig{Retry: fastRetry(3)})
		resp, err := c.Do(tc.req(srv.URL))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want || f.seen.Load() != tc.tries {
			t.Fatalf("%s: got %d after %d attempts, want %d after %d", tc.name, resp.StatusCode, f.seen.Load(), tc.want, tc.tries)
		}
		if tc.replays && (f.bodies[0] != "order" || f.bodies[1] != "order") {
			t.Fatalf("%s: bodies %q, want the body twice", tc.name, f.bodies)
		}
	}
}

// When the retries run out on a status the caller gets the last response,
// readable; on a connection error, an error.
func TestRetryTransportExhausted(t *testing.T) {
	eng := newEngine(t)
	f := &flaky{status: 502, failures: 100}
	srv, cl := countingServer(t, f)
	c := retryClient(t, eng, httpclient.RetryConfig{Retry: fastRetry(3)})
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 502 || !strings.HasPrefix(string(b), "busy") || f.seen.Load() != 3 {
		t.Fatalf("got %d %q after %d attempts, want the third 502, readable", resp.StatusCode, b[:min(len(b), 10)], f.seen.Load())
	}
	if got := cl.accepted.Load(); got != 1 {
		t.Fatalf("3 attempts opened %d connections, want 1", got)
	}

	// A connection that breaks under every attempt: retried, then an error.
	var tries atomic.Int64
	broken, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries.Add(1)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	// A POST with a key: net/http does not resend it on its own.
	req, _ := http.NewRequest(http.MethodPost, broken.URL, strings.NewReader("x"))
	req.Header.Set("Idempotency-Key", "k-2")
	if _, err := c.Do(req); !errors.Is(err, messages.ErrRetriesExhausted) {
		t.Fatalf("broken connections: got %v, want retries exhausted", err)
	}
	if got := tries.Load(); got != 3 {
		t.Fatalf("broken connections: %d attempts, want 3", got)
	}
}

// Retry-After (seconds or an HTTP-date) sets the wait, capped at the
// schedule's MaxDelay; the fake clock decides.
func TestRetryTransportHonoursRetryAfter(t *testing.T) {
	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng := newEngine(t, engine.WithClock(clock))
	for _, tc := range []struct {
		retryAfter string
		want       time.Duration
	}{
		{"7", 7 * time.Second},
		{"120", 10 * time.Second}, // capped at MaxDelay
		{"date+4s", 4 * time.Second},
		{"", time.Millisecond}, // the schedule's own delay
	} {
		f := &flaky{status: 429, failures: 1, header: http.Header{}}
		if tc.retryAfter == "date+4s" {
			tc.retryAfter = clock.Now().Add(4 * time.Second).Format(http.TimeFormat)
		}
		if tc.retryAfter != "" {
			f.header.Set("Retry-After", tc.retryAfter)
		}
		srv, _ := countingServer(t, f)
		var delays []time.Duration
		cfg := retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Millisecond, MaxDelay: 10 * time.Second}, JitterKind: retry.NoJitter,
			OnRetry: func(a retry.Attempt) { delays = append(delays, a.Delay) }}
		c := retryClient(t, eng, httpclient.RetryConfig{Retry: cfg})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { // the wait is a timer on the fake clock: fire it
			if clock.WaitForTimers(ctx, 1) == nil {
				clock.Advance(time.Minute)
			}
		}()
		resp, err := c.Get(srv.URL)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(delays) != 1 || delays[0] != tc.want {
			t.Fatalf("Retry-After %q: got %d, delays %v, want 200 after %v", tc.retryAfter, resp.StatusCode, delays, tc.want)
		}
	}
}

// A caller that gives up during the wait gets its context's error at
// once, and the held response is closed.
func TestRetryTransportCallerGivesUp(t *testing.T) {
	eng := newEngine(t)
	f := &flaky{status: 503, failures: 100, header: http.Header{"Retry-After": {"30"}}}
	hit := make(chan struct{})
	var once sync.Once
	srv, _ := countingServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.ServeHTTP(w, r)
		once.Do(func() { close(hit) })
	}))
	c := retryClient(t, eng, httpclient.RetryConfig{Retry: retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, MaxDelay: time.Minute}}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	go func() {
		<-hit // the first attempt was answered: the transport waits 30 s
		cancel()
	}()
	if _, err := c.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if got := f.seen.Load(); got != 1 {
		t.Fatalf("%d attempts, want 1", got)
	}
}

// Each host has its own breaker: a failing host's opens and refuses (not
// retried) while another host's stays closed; each host's budget caps its
// retries.
func TestRetryTransportPerHost(t *testing.T) {
	eng := newEngine(t)
	bad := &flaky{status: 503, failures: 1 << 30}
	badSrv, _ := countingServer(t, bad)
	good := &flaky{status: 503, failures: 1}
	goodSrv, _ := countingServer(t, good)
	c := retryClient(t, eng, httpclient.RetryConfig{Name: "api", Retry: fastRetry(3),
		Breaker: &circuitbreaker.Config{FailureThreshold: 4, RecoveryTimeout: time.Minute}})
	resp, err := c.Get(badSrv.URL) // 3 failures
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := c.Get(badSrv.URL); !errors.Is(err, messages.ErrCircuitOpen) { // the 4th opens it, the 5th is refused
		t.Fatalf("failing host: got %v, want its circuit open", err)
	}
	if got := bad.seen.Load(); got != 4 {
		t.Fatalf("failing host saw %d attempts, want 4 (the refusal is not retried)", got)
	}
	resp, err = c.Get(goodSrv.URL)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("other host: got %v %v, want 200", resp, err)
	}
	resp.Body.Close()

	noRetries := retry.BudgetConfig{RetryRate: 0.01, MinPerSecond: -1}
	starved := &flaky{status: 503, failures: 1}
	starvedSrv, _ := countingServer(t, starved)
	c = retryClient(t, eng, httpclient.RetryConfig{Name: "budgeted", Retry: fastRetry(3), Budget: &noRetries})
	resp, err = c.Get(starvedSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || starved.seen.Load() != 1 {
		t.Fatalf("an empty budget: got %d after %d attempts, want the 503 after 1", resp.StatusCode, starved.seen.Load())
	}
}

func TestRetryConfigValidate(t *testing.T) {
	b := &retry.BudgetConfig{}
	for _, tc := range []struct {
		cfg   httpclient.RetryConfig
		field string
	}{
		{httpclient.RetryConfig{Budget: b}, "Name"},
		{httpclient.RetryConfig{Breaker: &circuitbreaker.Config{}}, "Name"},
		{httpclient.RetryConfig{MaxHosts: -1}, "MaxHosts"},
		{httpclient.RetryConfig{MaxHosts: httpclient.LargestMaxHosts + 1}, "MaxHosts"},
		{httpclient.RetryConfig{Statuses: []int{503, 42}}, "Statuses"},
		{httpclient.RetryConfig{Statuses: make([]int, httpclient.LongestStatuses+1)}, "Statuses"},
		{httpclient.RetryConfig{Retry: retry.Config{Backoff: retry.Backoff{MaxAttempts: -1}}}, "MaxAttempts"},
	} {
		var ce *messages.ConfigError
		if _, err := httpclient.NewRetryTransport(nil, nil, tc.cfg); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: got %v, want a ConfigError naming %s", tc.cfg, err, tc.field)
		}
	}
}

// Dozens of goroutines on several hosts, more hosts than MaxHosts: every
// request is answered once it passes (the hosts past the bound share one
// breaker), and the race detector sees the per-host registry.
func TestRetryTransportConcurrentHosts(t *testing.T) {
	eng := newEngine(t)
	var urls []string
	var servers []*flaky
	for range 4 {
		f := &flaky{status: 503, failures: 8}
		srv, _ := countingServer(t, f)
		urls, servers = append(urls, srv.URL), append(servers, f)
	}
	c := retryClient(t, eng, httpclient.RetryConfig{Name: "many", Retry: fastRetry(20), MaxHosts: 2,
		Breaker: &circuitbreaker.Config{FailureThreshold: 1000}})
	var wg sync.WaitGroup
	errs := make(chan error, 32*5)
	for g := range 32 {
		wg.Go(func() {
			for i := range 5 {
				resp, err := c.Get(urls[(g+i)%len(urls)])
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- errors.New(resp.Status)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var total int64
	for _, f := range servers {
		total += f.seen.Load()
	}
	if total != 32*5+4*8 {
		t.Fatalf("%d attempts, want %d (every request once, plus each host's 8 failures)", total, 32*5+4*8)
	}
}
