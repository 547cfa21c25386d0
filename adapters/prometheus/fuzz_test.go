package prometheus_test

import (
	"strings"
	"testing"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/prometheus"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// named is a registered handle with any name and any rejection reason.
type named struct {
	name, reason string
	n            uint64
	state        uint8
}

func (h named) Name() string { return h.name }

func (h named) Stats() bulkhead.Stats {
	return bulkhead.Stats{Name: h.name, Rejected: h.n, RejectedBy: map[string]uint64{h.reason: h.n}}
}

// breakerNamed is a breaker-shaped handle in any state.
type breakerNamed struct{ named }

func (h breakerNamed) Stats() circuitbreaker.Stats {
	return circuitbreaker.Stats{Name: h.name, State: circuitbreaker.State(h.state), Mode: circuitbreaker.Mode(h.state >> 4), Failed: h.n}
}

// FuzzCollect: whatever an instance's name, reasons and states are, a
// scrape gathers without error and without a panic.
func FuzzCollect(f *testing.F) {
	eng := enginetest.Start(f)
	for _, s := range []struct {
		name, reason string
		n            uint64
		state        uint8
	}{
		{"inventory", "queue_full", 3, 1},
		{"", "", 0, 0},
		{"caf\xe9", "r\xff", 1, 0xff},
		{"a\nb\"c\\", "{}=,", 1 << 63, 2},
	} {
		f.Add(s.name, s.reason, s.n, s.state)
	}
	f.Fuzz(func(t *testing.T, name, reason string, n uint64, state uint8) {
		c, err := prometheus.New(eng, prometheus.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := named{name, reason, n, state}
		if err := c.Add(h); err != nil {
			t.Fatal(err)
		}
		if err := c.Add(breakerNamed{h}); err != nil {
			t.Fatal(err)
		}
		reg := prom.NewPedanticRegistry()
		reg.MustRegister(c)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatalf("Gather with name %q reason %q: %v", name, reason, err)
		}
		found := false
		for _, mf := range mfs {
			if mf.GetName() == "bulwark_calls_total" {
				found = len(mf.GetMetric()) > 0
			}
			if strings.ContainsRune(mf.GetName(), '\xff') {
				t.Fatalf("metric name %q", mf.GetName())
			}
		}
		if !found {
			t.Fatalf("no bulwark_calls_total for name %q", name)
		}
	})
}
