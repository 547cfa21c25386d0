package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// pageQuery is the filter the live page asks /events for by default.
const pageQuery = "?type=state_change,circuit_opened,circuit_closed,circuit_reset,load_level_changed," +
	"backpressure_on,backpressure_off,limit_changed,actor_failed,actor_restarted,retry_exhausted,backend_error,subscriber_lagged"

// BenchmarkBreakerCall is one call through a circuit breaker, with nobody
// watching, with 50 live pages connected (their default filter), with 50
// clients of every event, and with a Prometheus collector scraped ten times
// a second (Prometheus scrapes every 15 s or so).
func BenchmarkBreakerCall(b *testing.B) {
	for _, tc := range []struct {
		name    string
		clients int
		query   string
		scrape  bool
	}{
		{"observers=none", 0, "", false},
		{"observers=50pages", 50, pageQuery, false},
		{"observers=50every", 50, "", false},
		{"observers=collector", 0, "", true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			eng := enginetest.Start(b)
			br, err := circuitbreaker.New(eng, "bench", circuitbreaker.Config{})
			if err != nil {
				b.Fatal(err)
			}
			h, srv := serve(b, eng, dashboard.Options{MaxClients: 64})
			ctx, cancel := context.WithCancel(context.Background())
			var watchers sync.WaitGroup
			defer func() { cancel(); watchers.Wait() }()
			for range tc.clients {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/events"+tc.query, nil)
				if err != nil {
					b.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("client: %v %v", err, resp)
				}
				watchers.Go(func() {
					defer resp.Body.Close()
					_, _ = io.Copy(io.Discard, resp.Body)
				})
			}
			for h.Clients() != tc.clients {
			}
			if tc.scrape {
				c, err := prometheus.New(eng, prometheus.Options{})
				if err != nil {
					b.Fatal(err)
				}
				reg := prom.NewRegistry()
				reg.MustRegister(c)
				watchers.Go(func() {
					tick := time.NewTicker(100 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-tick.C:
							_, _ = reg.Gather()
						case <-ctx.Done():
							return
						}
					}
				})
			}
			noop := func(context.Context) error { return nil }
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = br.Execute(ctx, noop)
				}
			})
		})
	}
}
