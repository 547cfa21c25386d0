package prometheus_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBackend = errors.New("backend: connection refused to 10.0.0.7")

// must returns v, or panics with err: for set-up steps that cannot fail
// unless the test itself is wrong.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// scrape serves reg through promhttp on a loopback server and returns the
// text exposition.
func scrape(t *testing.T, reg *prom.Registry) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

// value returns the sample of series (name{labels} as in the exposition)
// and whether it was there.
func value(text, series string) (string, bool) {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v, true
		}
	}
	return "", false
}

// world is one instance of every pattern, after a few real calls each.
type world struct {
	eng     *engine.Engine
	breaker *circuitbreaker.Breaker
	retry   *retry.Retry
	timeout *timeout.Timeout
	fb      *fallback.Fallback[int]
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	eng := enginetest.Start(t)
	w := &world{eng: eng}
	w.breaker = must(circuitbreaker.New(eng, "inventory", circuitbreaker.Config{FailureThreshold: 2, RecoveryTimeout: time.Hour}))
	ok := func(context.Context) error { return nil }
	fail := func(context.Context) error { return errBackend }
	if err := w.breaker.Execute(ctx, ok); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.breaker.Execute(ctx, fail); !errors.Is(err, errBackend) {
			t.Fatalf("breaker call: got %v, want the backend's error", err)
		}
	}
	if err := w.breaker.Execute(ctx, ok); !messages.IsRefusal(err) {
		t.Fatalf("call through an open breaker: got %v, want a refusal", err)
	}

	bh := must(bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 1}))
	held := must(bh.Acquire(ctx))
	if _, err := bh.Acquire(ctx); !messages.IsRefusal(err) {
		t.Fatalf("second bulkhead acquire: got %v, want a refusal", err)
	}
	t.Cleanup(func() { bh.Release(held, messages.Success) })

	rl := must(ratelimit.New(eng, "per-user", ratelimit.Config{}))
	for i := range 3 {
		err := rl.Allow(ctx, "user-secret-42", "2/hour")
		if (i < 2) != (err == nil) {
			t.Fatalf("rate limit call %d: got %v", i, err)
		}
	}

	al := must(adaptive.New(eng, "adaptive", adaptive.Config{InitialLimit: 7, MinLimit: 1, MaxLimit: 10}))
	if err := al.Execute(ctx, ok); err != nil {
		t.Fatal(err)
	}
	ls := must(loadshed.New(eng, "shed", loadshed.Config{MaxInFlight: 4}))
	if err := ls.Execute(ctx, ok); err != nil {
		t.Fatal(err)
	}
	bp := must(backpressure.New(eng, "pipe", backpressure.Config{MaxInFlight: 8, HighWaterMark: 6, LowWaterMark: 2}))
	if err := bp.Execute(ctx, ok); err != nil {
		t.Fatal(err)
	}

	w.retry = must(retry.New(eng, "inventory", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Millisecond, MaxDelay: time.Millisecond}}))
	tries := 0
	if err := w.retry.Execute(ctx, func(context.Context) error {
		if tries++; tries < 3 {
			return errBackend
		}
		return nil
	}); err != nil {
		t.Fatalf("retry: %v", err)
	}
	w.timeout = must(timeout.New(eng, "inventory", timeout.Config{Timeout: time.Second, Cooperative: true}))
	if err := w.timeout.Execute(ctx, ok); err != nil {
		t.Fatal(err)
	}
	w.fb = must(fallback.New(eng, "inventory", fallback.Config[int]{Chain: []fallback.Func[int]{fallback.Value(0)}}))
	if _, err := w.fb.Do(ctx, func(context.Context) (int, error) { return 0, errBackend }); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestScrapeReportsEveryPatternAfterRealCalls(t *testing.T) {
	w := newWorld(t)
	c := must(prometheus.New(w.eng, prometheus.Options{}))
	for _, h := range []any{w.retry, w.timeout, w.fb} {
		if err := c.Add(h); err != nil {
			t.Fatalf("Add(%T): %v", h, err)
		}
	}
	reg := prom.NewRegistry()
	reg.MustRegister(c)
	text := scrape(t, reg)

	for _, tc := range []struct{ series, want string }{
		{`bulwark_calls_total{name="inventory",outcome="success",pattern="circuitbreaker"}`, "1"},
		{`bulwark_calls_total{name="inventory",outcome="failure",pattern="circuitbreaker"}`, "2"},
		{`bulwark_calls_total{name="inventory",outcome="rejected",pattern="circuitbreaker"}`, "1"},
		{`bulwark_circuit_state{name="inventory",state="open"}`, "1"},
		{`bulwark_circuit_state{name="inventory",state="closed"}`, "0"},
		{`bulwark_circuit_mode{mode="normal",name="inventory"}`, "1"},
		{`bulwark_calls_total{name="db",outcome="accepted",pattern="bulkhead"}`, "1"},
		{`bulwark_calls_total{name="db",outcome="rejected",pattern="bulkhead"}`, "1"},
		{`bulwark_rejections_total{name="db",pattern="bulkhead",reason="queue_full"}`, "1"},
		{`bulwark_in_flight{name="db",pattern="bulkhead"}`, "1"},
		{`bulwark_in_flight_limit{name="db",pattern="bulkhead"}`, "1"},
		{`bulwark_queue_length{name="db",pattern="bulkhead"}`, "0"},
		{`bulwark_calls_total{name="per-user",outcome="accepted",pattern="ratelimit"}`, "2"},
		{`bulwark_rate_limit_rejections_total{name="per-user",reason="rate_limit_exceeded"}`, "1"},
		{`bulwark_rate_limit_active_keys{name="per-user"}`, "1"},
		{`bulwark_adaptive_limit{name="adaptive"}`, "7"},
		{`bulwark_calls_total{name="adaptive",outcome="success",pattern="adaptive"}`, "1"},
		{`bulwark_load_level{level="normal",name="shed"}`, "1"},
		{`bulwark_in_flight_limit{name="shed",pattern="loadshed"}`, "4"},
		{`bulwark_calls_total{name="pipe",outcome="accepted",pattern="backpressure"}`, "1"},
		{`bulwark_backpressure_active{name="pipe"}`, "0"},
		{`bulwark_retries_total{name="inventory"}`, "2"},
		{`bulwark_calls_total{name="inventory",outcome="success",pattern="retry"}`, "1"},
		{`bulwark_calls_total{name="inventory",outcome="success",pattern="timeout"}`, "1"},
		{`bulwark_calls_total{name="inventory",outcome="fell_back",pattern="fallback"}`, "1"},
		{`bulwark_instance_up{name="inventory",pattern="circuitbreaker"}`, "1"},
		{`bulwark_instance_restarts_total{name="db",pattern="bulkhead"}`, "0"},
		{`bulwark_collector_stats_errors`, "0"},
		{`bulwark_collector_instances_skipped`, "0"},
	} {
		if got, ok := value(text, tc.series); !ok || got != tc.want {
			t.Errorf("%s: got %q (present %v), want %q", tc.series, got, ok, tc.want)
		}
	}
	if got, _ := value(text, `bulwark_retry_delay_seconds_total{name="inventory"}`); got == "" || got == "0" {
		t.Errorf("bulwark_retry_delay_seconds_total: got %q, want the two waits of about 1ms", got)
	}
	for _, secret := range []string{"user-secret-42", "10.0.0.7", "connection refused", "ratelimit.shard"} {
		if strings.Contains(text, secret) {
			t.Errorf("scrape shows %q; keys, error text and shards must never appear", secret)
		}
	}
	lintAndLog(t, c, text)
}

// lintAndLog fails t for each problem promlint finds in c's metrics, and
// logs text (the scrape) if t has failed.
func lintAndLog(t *testing.T, c prom.Collector, text string) {
	t.Helper()
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if t.Failed() {
		t.Log(text)
	}
}

// stuck is a handle whose Stats never answers before its context ends.
type stuck struct{}

func (stuck) Stats(ctx context.Context) (circuitbreaker.Stats, error) {
	<-ctx.Done()
	return circuitbreaker.Stats{}, ctx.Err()
}

func TestScrapeIsBoundedByTimeout(t *testing.T) {
	eng := enginetest.Start(t)
	must(circuitbreaker.New(eng, "ok", circuitbreaker.Config{}))
	c := must(prometheus.New(eng, prometheus.Options{Timeout: 50 * time.Millisecond}))
	if err := c.Add(stuck{}); err != nil {
		t.Fatal(err)
	}
	reg := prom.NewRegistry()
	reg.MustRegister(c)
	start := time.Now()
	text := scrape(t, reg)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("scrape took %v with a Stats that never answers, want about the 50ms timeout", took)
	}
	for _, tc := range []struct{ series, want string }{
		{`bulwark_collector_stats_errors`, "1"},
		{`bulwark_circuit_state{name="ok",state="closed"}`, "1"},
	} {
		if got, _ := value(text, tc.series); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.series, got, tc.want)
		}
	}
}

func TestMaxInstancesCutsAScrapeShort(t *testing.T) {
	eng := enginetest.Start(t)
	for _, n := range []string{"a", "b", "c"} {
		must(bulkhead.New(eng, n, bulkhead.Config{}))
	}
	c := must(prometheus.New(eng, prometheus.Options{MaxInstances: 2}))
	reg := prom.NewRegistry()
	reg.MustRegister(c)
	text := scrape(t, reg)
	for _, tc := range []struct{ series, want string }{
		{`bulwark_collector_instances_skipped`, "1"},
		{`bulwark_instance_up{name="b",pattern="bulkhead"}`, "1"},
		{`bulwark_instance_up{name="c",pattern="bulkhead"}`, ""},
	} {
		if got, _ := value(text, tc.series); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.series, got, tc.want)
		}
	}
}

func TestEventsDroppedBySubscriber(t *testing.T) {
	eng := enginetest.Start(t)
	sub := must(eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitOpened}}, 1))
	defer sub.Close()
	b := must(circuitbreaker.New(eng, "flappy", circuitbreaker.Config{}))
	ctx := context.Background()
	for range 3 {
		if err := b.ForceOpen(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Normal(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c := must(prometheus.New(eng, prometheus.Options{}))
	if err := c.AddSubscriber("audit", sub); err != nil {
		t.Fatal(err)
	}
	want := sub.Dropped()
	if want == 0 {
		t.Fatalf("the subscription dropped nothing; the test needs drops")
	}
	got := testutil.ToFloat64(onlyDropped{c})
	if got != float64(want) {
		t.Errorf("bulwark_events_dropped_total{subscriber=audit}: got %v, want %d", got, want)
	}
	for _, tc := range []struct {
		name string
		d    interface{ Dropped() uint64 }
	}{{"audit", sub}, {"", sub}, {"x", nil}} {
		if err := c.AddSubscriber(tc.name, tc.d); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("AddSubscriber(%q, %v): got %v, want ErrInvalidConfig", tc.name, tc.d, err)
		}
	}
}

// onlyDropped passes on the events-dropped metric alone.
type onlyDropped struct{ c *prometheus.Collector }

func (o onlyDropped) Describe(ch chan<- *prom.Desc) { o.c.Describe(ch) }
func (o onlyDropped) Collect(ch chan<- prom.Metric) {
	all := make(chan prom.Metric, 64)
	go func() { o.c.Collect(all); close(all) }()
	for m := range all {
		if strings.Contains(m.Desc().String(), `"bulwark_events_dropped_total"`) {
			ch <- m
		}
	}
}

func TestConfigErrors(t *testing.T) {
	eng := enginetest.Start(t)
	for _, tc := range []struct {
		name string
		opts prometheus.Options
	}{
		{"negative timeout", prometheus.Options{Timeout: -1}},
		{"timeout above max", prometheus.Options{Timeout: prometheus.LargestTimeout + 1}},
		{"negative max instances", prometheus.Options{MaxInstances: -1}},
		{"max instances above max", prometheus.Options{MaxInstances: 1_000_001}},
	} {
		if _, err := prometheus.New(eng, tc.opts); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", tc.name, err)
		}
	}
	if _, err := prometheus.New(nil, prometheus.Options{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("nil engine: got %v, want ErrInvalidConfig", err)
	}
	c := must(prometheus.New(eng, prometheus.Options{}))
	for _, h := range []any{nil, "a string", struct{}{}} {
		if err := c.Add(h); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("Add(%#v): got %v, want ErrInvalidConfig", h, err)
		}
	}
}
