package prometheus_test

import (
	"errors"
	"testing"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/internal/measure/measuretest"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/messages"
)

// TestScrapeRedisInstances: a Redis rate limiter and a shared breaker
// added to the Collector are scraped with their Stats: the limiter's 2
// admitted and 1 refused (exceeded) at 2/minute, the breaker's shared
// state open after 2 failures (FailureThreshold 2) and the call it refused
// from it, its flushes and no fallback. Both share bulwark_calls_total with
// the other patterns, under their own pattern label.
func TestScrapeRedisInstances(t *testing.T) {
	eng, l, br := measuretest.Shared(t)
	c := must(prometheus.New(eng, prometheus.Options{}))
	for _, h := range []any{l, br, l} {
		if err := c.Add(h); err != nil {
			t.Fatal(err)
		}
	}
	var nilLimiter *redis.Limiter
	if err := c.Add(nilLimiter); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("Add of a nil *redis.Limiter: %v", err)
	}
	reg := prom.NewRegistry()
	reg.MustRegister(c)
	text := scrape(t, reg)
	for series, want := range map[string]string{
		`bulwark_calls_total{name="orders",outcome="accepted",pattern="ratelimit-redis"}`:                             "2",
		`bulwark_calls_total{name="orders",outcome="rejected",pattern="ratelimit-redis"}`:                             "1",
		`bulwark_rejections_total{name="orders",pattern="ratelimit-redis",reason="` + ratelimit.ReasonExceeded + `"}`: "1",
		`bulwark_rate_limit_backend_errors_total{name="orders"}`:                                                      "0",
		`bulwark_rate_limit_returned_permits_total{name="orders"}`:                                                    "0",
		`bulwark_calls_total{name="payments",outcome="rejected",pattern="redisbreaker"}`:                              "1",
		`bulwark_shared_circuit_state{name="payments",state="open"}`:                                                  "1",
		`bulwark_shared_circuit_state{name="payments",state="closed"}`:                                                "0",
		`bulwark_shared_circuit_generation{name="payments"}`:                                                          "1",
		`bulwark_shared_circuit_fallback{name="payments"}`:                                                            "0",
		`bulwark_shared_circuit_flushes_total{name="payments",outcome="error"}`:                                       "0",
		`bulwark_shared_circuit_trials_total{name="payments"}`:                                                        "0",
		`bulwark_calls_total{name="payments",outcome="failure",pattern="circuitbreaker"}`:                             "2",
	} {
		if got, ok := value(text, series); !ok || got != want {
			t.Errorf("%s = %q (present %v), want %s", series, got, ok, want)
		}
	}
	if got, ok := value(text, `bulwark_shared_circuit_flushes_total{name="payments",outcome="success"}`); !ok || got == "0" {
		t.Errorf("flushes: %q (present %v), want at least 1", got, ok)
	}
	if t.Failed() {
		t.Log(text)
	}
}
