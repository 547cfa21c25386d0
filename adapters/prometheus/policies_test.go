package prometheus_test

import (
	"context"
	"testing"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// Hedge, coalesce and cache instances added to a Collector are scraped
// like the others.
func TestScrapeReportsHedgeCoalesceCache(t *testing.T) {
	ctx := context.Background()
	eng := enginetest.Start(t)
	h := must(hedge.New(eng, "search", hedge.Config{}))
	if _, err := hedge.Do(ctx, h, func(context.Context) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	g := must(coalesce.New[int](eng, "profiles", coalesce.Config{MaxKeys: 1}))
	release := make(chan struct{})
	held := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		_, err := g.Do(ctx, "a", func(context.Context) (int, error) { close(started); <-release; return 1, nil })
		held <- err
	}()
	<-started
	if _, err := g.Do(ctx, "b", func(context.Context) (int, error) { return 2, nil }); !messages.IsRefusal(err) {
		t.Fatalf("a second key beyond MaxKeys 1: got %v, want a refusal", err)
	}
	c := must(cache.New[int](eng, "users", cache.Config{}, nil))
	for range 2 {
		if _, err := c.Get(ctx, "u1", func(context.Context) (int, error) { return 7, nil }); err != nil {
			t.Fatal(err)
		}
	}

	col := must(prometheus.New(eng, prometheus.Options{}))
	for _, x := range []any{h, g, c} {
		if err := col.Add(x); err != nil {
			t.Fatalf("Add(%T): %v", x, err)
		}
	}
	reg := prom.NewRegistry()
	reg.MustRegister(col)
	text := scrape(t, reg)
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ series, want string }{
		{`bulwark_calls_total{name="search",outcome="success",pattern="hedge"}`, "1"},
		{`bulwark_hedges_total{name="search",outcome="started"}`, "0"},
		{`bulwark_calls_total{name="profiles",outcome="leader",pattern="coalesce"}`, "1"},
		{`bulwark_calls_total{name="profiles",outcome="rejected",pattern="coalesce"}`, "1"},
		{`bulwark_rejections_total{name="profiles",pattern="coalesce",reason="keys_full"}`, "1"},
		{`bulwark_in_flight{name="profiles",pattern="coalesce"}`, "1"},
		{`bulwark_calls_total{name="users",outcome="miss",pattern="cache"}`, "1"},
		{`bulwark_calls_total{name="users",outcome="hit",pattern="cache"}`, "1"},
		{`bulwark_instance_up{name="users",pattern="cache"}`, "1"},
	} {
		if got, ok := value(text, tc.series); !ok || got != tc.want {
			t.Errorf("%s: got %q (present %v), want %q", tc.series, got, ok, tc.want)
		}
	}
	lintAndLog(t, col, text)
}
