package measure

import (
	"slices"
	"strings"
	"testing"
)

// Every metric has a name of its own in each system, by each system's
// conventions.
func TestNamesFollowConventions(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range append(append([]*Metric{}, All...), Shared...) {
		for _, n := range []string{m.Prom, m.OTel} {
			if seen[n] {
				t.Errorf("%s: used twice", n)
			}
			seen[n] = true
		}
		if got := strings.HasSuffix(m.Prom, "_total"); got != (m.Type == Counter) {
			t.Errorf("%s: ends in _total %v, want %v (a counter)", m.Prom, got, m.Type == Counter)
		}
		if !strings.HasPrefix(m.Prom, "bulwark_") || !strings.HasPrefix(m.OTel, "bulwark.") || strings.Contains(m.OTel, "total") {
			t.Errorf("%s / %s: want bulwark_… and bulwark.… without total", m.Prom, m.OTel)
		}
		if m.Float() != strings.Contains(m.Prom, "_seconds") {
			t.Errorf("%s: unit %q, want seconds exactly when the name says so", m.Prom, m.Unit)
		}
	}
}

// The names are the exporters' public API: these are the names first
// published, which a change to the table must keep.
func TestNamesAsPublished(t *testing.T) {
	want := [][2]string{
		{"bulwark_calls_total", "bulwark.calls"},
		{"bulwark_rejections_total", "bulwark.rejections"},
		{"bulwark_circuit_state", "bulwark.circuit.state"},
		{"bulwark_circuit_mode", "bulwark.circuit.mode"},
		{"bulwark_circuit_slow_calls_total", "bulwark.circuit.slow_calls"},
		{"bulwark_in_flight", "bulwark.in_flight"},
		{"bulwark_in_flight_limit", "bulwark.in_flight.limit"},
		{"bulwark_queue_length", "bulwark.queue.length"},
		{"bulwark_queue_capacity", "bulwark.queue.capacity"},
		{"bulwark_load_level", "bulwark.load_level"},
		{"bulwark_backpressure_active", "bulwark.backpressure.active"},
		{"bulwark_rate_limit_rejections_total", "bulwark.rate_limit.rejections"},
		{"bulwark_rate_limit_active_keys", "bulwark.rate_limit.active_keys"},
		{"bulwark_adaptive_limit", "bulwark.adaptive.limit"},
		{"bulwark_retries_total", "bulwark.retry.retries"},
		{"bulwark_retry_delay_seconds_total", "bulwark.retry.delay"},
		{"bulwark_retry_budget_retries_total", "bulwark.retry_budget.retries"},
		{"bulwark_timeout_call_seconds_total", "bulwark.timeout.call_time"},
		{"bulwark_hedges_total", "bulwark.hedge.hedges"},
		{"bulwark_instance_restarts_total", "bulwark.instance.restarts"},
		{"bulwark_instance_up", "bulwark.instance.up"},
		{"bulwark_events_dropped_total", "bulwark.events.dropped"},
		{"bulwark_collector_stats_errors", "bulwark.collector.stats_errors"},
		{"bulwark_collector_instances_skipped", "bulwark.collector.instances_skipped"},
		{"bulwark_shared_circuit_state", "bulwark.shared_circuit.state"},
		{"bulwark_shared_circuit_generation", "bulwark.shared_circuit.generation"},
		{"bulwark_shared_circuit_fallback", "bulwark.shared_circuit.fallback"},
		{"bulwark_shared_circuit_flushes_total", "bulwark.shared_circuit.flushes"},
		{"bulwark_shared_circuit_trials_total", "bulwark.shared_circuit.trials"},
		{"bulwark_rate_limit_backend_errors_total", "bulwark.rate_limit.backend_errors"},
		{"bulwark_rate_limit_failed_open_total", "bulwark.rate_limit.failed_open"},
		{"bulwark_rate_limit_returned_permits_total", "bulwark.rate_limit.returned_permits"},
	}
	got := make([][2]string, 0, len(want))
	for _, m := range append(append([]*Metric{}, All...), Shared...) {
		got = append(got, [2]string{m.Prom, m.OTel})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got names\n%v\nwant\n%v", got, want)
	}
}
