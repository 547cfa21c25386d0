package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBackend = errors.New("backend: password=hunter2 rejected")

// breaker returns a breaker named name that opens after two failures and
// stays open for an hour.
func breaker(t *testing.T, eng *engine.Engine, name string) *circuitbreaker.Breaker {
	t.Helper()
	b, err := circuitbreaker.New(eng, name, circuitbreaker.Config{FailureThreshold: 2, RecoveryTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serve starts the dashboard of eng on a loopback server closed when t ends.
func serve(t testing.TB, eng *engine.Engine, opts dashboard.Options) (*dashboard.Handler, *httptest.Server) {
	t.Helper()
	h, err := dashboard.New(eng, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// openBreaker fails b's calls until its circuit opens (FailureThreshold 2).
func openBreaker(t *testing.T, b *circuitbreaker.Breaker) {
	t.Helper()
	for range 2 {
		if err := b.Execute(context.Background(), func(context.Context) error { return errBackend }); !errors.Is(err, errBackend) {
			t.Fatalf("call: got %v, want the backend's error", err)
		}
	}
	if st, _ := b.State(); st != circuitbreaker.Open {
		t.Fatalf("breaker state: got %v, want open", st)
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// keysAreSnakeCase reports the first JSON object key that is not snake_case.
func keysAreSnakeCase(v any, path string) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !snake.MatchString(k) {
				return path + "." + k
			}
			if bad := keysAreSnakeCase(x, path+"."+k); bad != "" {
				return bad
			}
		}
	case []any:
		for _, x := range v {
			if bad := keysAreSnakeCase(x, path+"[]"); bad != "" {
				return bad
			}
		}
	}
	return ""
}

// addStateless lists in h a hedge "replicas" that made one call, a
// coalesce group "profiles" that ran one, and a cache "prices" asked
// twice for the same key (one miss, one hit); the key is an e-mail
// address, which the dashboard must never show.
func addStateless(t *testing.T, eng *engine.Engine, h *dashboard.Handler) {
	t.Helper()
	ctx := context.Background()
	one := func(context.Context) (int, error) { return 1, nil }
	hd, err := hedge.New(eng, "replicas", hedge.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = hedge.Do(ctx, hd, one)
	g, err := coalesce.New[int](eng, "profiles", coalesce.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = g.Do(ctx, "alice@example.com", one)
	c, err := cache.New[int](eng, "prices", cache.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _ = c.Get(ctx, "alice@example.com", one)
	}
	for _, x := range []any{hd, g, c} {
		if err := h.Add(x); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatusJSONShape(t *testing.T) {
	eng := enginetest.Start(t)
	ctx := context.Background()
	openBreaker(t, breaker(t, eng, "payments"))
	bh, err := bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := bh.Acquire(ctx); err != nil {
		t.Fatal(err)
	} else {
		defer bh.Release(p, messages.Success)
	}
	rl, err := ratelimit.New(eng, "per-user", ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_ = rl.Allow(ctx, "alice@example.com", "1/hour")
	}
	r, err := retry.New(eng, "client", retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Execute(ctx, func(context.Context) error { return errBackend })
	h, srv := serve(t, eng, dashboard.Options{})
	if err := h.Add(r); err != nil {
		t.Fatal(err)
	}
	addStateless(t, eng, h)

	code, body := get(t, srv.URL+"/status")
	if code != http.StatusOK {
		t.Fatalf("/status: got %d, want 200: %s", code, body)
	}
	for _, secret := range []string{"alice@example.com", "hunter2", "backend:", "ratelimit.shard"} {
		if strings.Contains(body, secret) {
			t.Errorf("/status shows %q; never keys, error text or shards", secret)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatal(err)
	}
	if bad := keysAreSnakeCase(raw, ""); bad != "" {
		t.Errorf("/status key %s is not snake_case", bad)
	}
	type inst struct {
		Kind, Name, Status, State string
		Stats                     map[string]any
	}
	var v struct {
		Instances []inst
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	byName := map[string]inst{}
	for _, in := range v.Instances {
		byName[in.Kind+"/"+in.Name] = in
	}
	for _, tc := range []struct {
		instance, field string
		want            any
	}{
		{"circuitbreaker/payments", "state", "open"},
		{"circuitbreaker/payments", "mode", "normal"},
		{"circuitbreaker/payments", "failed", 2.0},
		{"circuitbreaker/payments", "consecutive_failures", 2.0},
		{"circuitbreaker/payments", "succeeded", 0.0},
		{"bulkhead/db", "in_flight", 1.0},
		{"bulkhead/db", "peak_in_flight", 1.0},
		{"bulkhead/db", "max_in_flight", 3.0},
		{"bulkhead/db", "max_waiting", 0.0},
		{"bulkhead/db", "accepted", 1.0},
		{"ratelimit/per-user", "algorithm", "gcra"},
		{"ratelimit/per-user", "accepted", 1.0},
		{"ratelimit/per-user", "rejected", 1.0},
		{"ratelimit/per-user", "active_keys", 1.0},
		{"retry/client", "attempts", 2.0},
		{"retry/client", "exhausted", 1.0},
		{"hedge/replicas", "calls", 1.0},
		{"hedge/replicas", "succeeded", 1.0},
		{"coalesce/profiles", "leaders", 1.0},
		{"coalesce/profiles", "in_flight", 0.0},
		{"cache/prices", "calls", 2.0},
		{"cache/prices", "hits", 1.0},
		{"cache/prices", "misses", 1.0},
	} {
		in, ok := byName[tc.instance]
		if !ok {
			t.Errorf("%s: missing from /status", tc.instance)
			continue
		}
		if got := in.Stats[tc.field]; got != tc.want {
			t.Errorf("%s stats.%s: got %v, want %v", tc.instance, tc.field, got, tc.want)
		}
	}
	for _, tc := range []struct{ instance, status, state string }{
		{"circuitbreaker/payments", "running", "open"},
		{"bulkhead/db", "running", ""},
		{"retry/client", "running", ""},
		{"cache/prices", "running", ""},
	} {
		if in := byName[tc.instance]; in.Status != tc.status || in.State != tc.state {
			t.Errorf("%s: got status %q state %q, want %q %q", tc.instance, in.Status, in.State, tc.status, tc.state)
		}
	}
	if len(v.Instances) != 7 {
		t.Errorf("/status lists %d instances, want 7 (shards are not instances): %s", len(v.Instances), body)
	}
}

func TestHealthzFollowsCriticalBreakers(t *testing.T) {
	eng := enginetest.Start(t)
	ctx := context.Background()
	critical, other := breaker(t, eng, "payments"), breaker(t, eng, "recommendations")
	_, srv := serve(t, eng, dashboard.Options{Critical: []string{"payments"}})
	steps := []struct {
		name string
		do   func()
		want int
		body string
	}{
		{"all closed", func() {}, 200, `{"status":"ok"}`},
		{"a non-critical breaker forced open", func() { _ = other.ForceOpen(ctx) }, 200, `{"status":"ok"}`},
		{"the critical breaker opened by failures", func() { openBreaker(t, critical) }, 503, `{"status":"unavailable","open":["payments"]}`},
		{"the critical breaker reset", func() { _ = critical.Reset(ctx) }, 200, `{"status":"ok"}`},
		{"the critical breaker forced open", func() { _ = critical.ForceOpen(ctx) }, 503, `{"status":"unavailable","open":["payments"]}`},
		{"back to normal", func() { _ = critical.Normal(ctx) }, 200, `{"status":"ok"}`},
	}
	for _, s := range steps {
		s.do()
		code, body := get(t, srv.URL+"/healthz")
		if code != s.want || strings.TrimSpace(body) != s.body {
			t.Errorf("%s: got %d %s, want %d %s", s.name, code, strings.TrimSpace(body), s.want, s.body)
		}
	}
}

// sse is a connected /events client.
type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

func connect(t *testing.T, ctx context.Context, url string) (*sse, int) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, resp.StatusCode
	}
	c := &sse{resp: resp, r: bufio.NewReader(resp.Body)}
	t.Cleanup(func() { resp.Body.Close() })
	if line := c.line(t); line != ": connected" {
		t.Fatalf("first line: got %q, want %q", line, ": connected")
	}
	return c, resp.StatusCode
}

func (c *sse) line(t *testing.T) string {
	t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the event stream: %v", err)
	}
	return strings.TrimRight(s, "\n")
}

// next returns the next message of type typ.
func (c *sse) next(t *testing.T, typ string) string {
	t.Helper()
	for {
		if c.line(t) != "event: "+typ {
			continue
		}
		data, ok := strings.CutPrefix(c.line(t), "data: ")
		if !ok {
			t.Fatalf("event %s without data", typ)
		}
		return data
	}
}

func TestEventsDeliverCircuitOpened(t *testing.T) {
	eng := enginetest.Start(t)
	b, other := breaker(t, eng, "payments"), breaker(t, eng, "search")
	_, srv := serve(t, eng, dashboard.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _ := connect(t, ctx, srv.URL+"/events?kind=circuitbreaker&type=circuit_opened,circuit_closed&name=payments")
	openBreaker(t, other) // filtered out by name
	openBreaker(t, b)
	var ev map[string]any
	if err := json.Unmarshal([]byte(c.next(t, "bulwark")), &ev); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ field, want string }{
		{"type", "circuit_opened"}, {"kind", "circuitbreaker"}, {"name", "payments"},
	} {
		if got := ev[tc.field]; got != tc.want {
			t.Errorf("event %s: got %v, want %q (event %v)", tc.field, got, tc.want, ev)
		}
	}
	for k, v := range ev {
		if s, ok := v.(string); ok && strings.Contains(s, "hunter2") {
			t.Errorf("event field %s carries error text %q", k, s)
		}
	}
}

func TestEventsClientCap(t *testing.T) {
	eng := enginetest.Start(t)
	h, srv := serve(t, eng, dashboard.Options{MaxClients: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first, _ := connect(t, ctx, srv.URL+"/events")
	connect(t, ctx, srv.URL+"/events")
	if _, code := connect(t, ctx, srv.URL+"/events"); code != http.StatusServiceUnavailable {
		t.Fatalf("third client: got %d, want 503", code)
	}
	first.resp.Body.Close()
	for h.Clients() != 1 {
		if ctx.Err() != nil {
			t.Fatalf("clients after one left: got %d, want 1", h.Clients())
		}
		time.Sleep(time.Millisecond) // the server notices the closed connection
	}
	if _, code := connect(t, ctx, srv.URL+"/events"); code != http.StatusOK {
		t.Fatalf("a client after one left: got %d, want 200", code)
	}
}

func TestEventsFilterErrors(t *testing.T) {
	eng := enginetest.Start(t)
	_, srv := serve(t, eng, dashboard.Options{})
	for _, q := range []string{
		"name=" + strings.Repeat("x", 257),
		"type=" + strings.Repeat("a,", dashboard.MaxFilterValues+1),
	} {
		if code, _ := get(t, srv.URL+"/events?"+q); code != http.StatusBadRequest {
			t.Errorf("/events?%.40s…: got %d, want 400", q, code)
		}
	}
}

func TestReadOnlyAndSelfContainedPage(t *testing.T) {
	eng := enginetest.Start(t)
	_, srv := serve(t, eng, dashboard.Options{})
	code, body := get(t, srv.URL+"/")
	if code != http.StatusOK || !strings.Contains(body, "<title>Bulwark</title>") {
		t.Fatalf("/: got %d, want 200 and the page", code)
	}
	for _, ext := range []string{`src="http`, `href="http`, `src="//`, `href="//`, "@import"} {
		if strings.Contains(body, ext) {
			t.Errorf("the page loads %s…: it must be self-contained", ext)
		}
	}
	for _, path := range []string{"/", "/status", "/healthz", "/events"} {
		resp, err := http.Post(srv.URL+path, "text/plain", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: got %d, want 405", path, resp.StatusCode)
		}
	}
	if code, _ := get(t, srv.URL+"/nope"); code != http.StatusNotFound {
		t.Errorf("/nope: got %d, want 404", code)
	}
}

func TestConfigErrors(t *testing.T) {
	eng := enginetest.Start(t)
	for _, tc := range []struct {
		name string
		opts dashboard.Options
	}{
		{"negative timeout", dashboard.Options{Timeout: -1}},
		{"write timeout above max", dashboard.Options{WriteTimeout: dashboard.MaxTimeout + 1}},
		{"negative heartbeat", dashboard.Options{Heartbeat: -time.Second}},
		{"too many critical", dashboard.Options{Critical: make([]string, dashboard.MaxCritical+1)}},
		{"negative max instances", dashboard.Options{MaxInstances: -1}},
		{"max clients above max", dashboard.Options{MaxClients: dashboard.MaxClients + 1}},
		{"client buffer above max", dashboard.Options{ClientBuffer: dashboard.MaxClientBuffer + 1}},
	} {
		if _, err := dashboard.New(eng, tc.opts); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", tc.name, err)
		}
	}
	if _, err := dashboard.New(nil, dashboard.Options{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("nil engine: got %v, want ErrInvalidConfig", err)
	}
}

// The stream is subscribed to the union of the clients' filters, and only
// while a client wants per-call events does a publisher pay for them.
func TestStreamWantsWhatClientsWant(t *testing.T) {
	eng := enginetest.Start(t)
	h, srv := serve(t, eng, dashboard.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wants := func() bool { return eng.Events().Wants(eventstream.EventCallSuccess, circuitbreaker.Kind, "payments") }
	for range 3 {
		connect(t, ctx, srv.URL+"/events?type=circuit_opened")
	}
	if wants() {
		t.Errorf("with three clients of circuit_opened: the stream wants call_success, want not")
	}
	every, _ := connect(t, ctx, srv.URL+"/events")
	if !wants() {
		t.Errorf("with a client of every event: the stream does not want call_success")
	}
	every.resp.Body.Close()
	for wants() || h.Clients() != 3 {
		if ctx.Err() != nil {
			t.Fatalf("after the client of every event left: wants %v, clients %d; want false, 3", wants(), h.Clients())
		}
		time.Sleep(time.Millisecond) // the server notices the closed connection
	}
}
