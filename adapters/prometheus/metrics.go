package prometheus

import (
	"sort"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
)

func desc(name, help string, labels ...string) *prom.Desc {
	return prom.NewDesc(name, help, labels, nil)
}

var (
	descCalls = desc("bulwark_calls_total",
		"Calls through a pattern instance, by how they ended.", "pattern", "name", "outcome")
	descRejections = desc("bulwark_rejections_total",
		"Calls a bulkhead, backpressure manager or load shedder refused, by reason.", "pattern", "name", "reason")
	descCircuitState = desc("bulwark_circuit_state",
		"1 for the circuit breaker's current state, 0 for the others.", "name", "state")
	descCircuitMode = desc("bulwark_circuit_mode",
		"1 for the circuit breaker's current mode, 0 for the others.", "name", "mode")
	descSlowCalls = desc("bulwark_circuit_slow_calls_total",
		"Calls at or above the breaker's slow-call duration.", "name")
	descInFlight = desc("bulwark_in_flight",
		"Calls holding a permit of the instance.", "pattern", "name")
	descInFlightLimit = desc("bulwark_in_flight_limit",
		"The most calls that may hold a permit of the instance at once.", "pattern", "name")
	descQueueLength = desc("bulwark_queue_length",
		"Callers waiting for a permit of the instance.", "pattern", "name")
	descQueueCapacity = desc("bulwark_queue_capacity",
		"The most callers that may wait for a permit of the instance.", "pattern", "name")
	descLoadLevel = desc("bulwark_load_level",
		"1 for the load shedder's current load level, 0 for the others.", "name", "level")
	descBackpressure = desc("bulwark_backpressure_active",
		"1 while the backpressure manager applies backpressure, else 0.", "name")
	descRateRejections = desc("bulwark_rate_limit_rejections_total",
		"Requests the rate limiter refused.", "name")
	descActiveKeys = desc("bulwark_rate_limit_active_keys",
		"Keys for which the rate limiter holds state.", "name")
	descAdaptiveLimit = desc("bulwark_adaptive_limit",
		"The adaptive concurrency limit.", "name")
	descRetries = desc("bulwark_retries_total",
		"Attempts after the first, of the calls that have returned.", "name")
	descRetryDelay = desc("bulwark_retry_delay_seconds_total",
		"Time chosen to wait between attempts.", "name")
	descBudgetDenied = desc("bulwark_retry_budget_denied_total",
		"Retries the retry budget refused.", "name")
	descCallSeconds = desc("bulwark_timeout_call_seconds_total",
		"Time the calls of a timeout or deadline took, added up.", "pattern", "name")
	descRestarts = desc("bulwark_instance_restarts_total",
		"Restarts of the instance by the supervisor.", "pattern", "name")
	descUp = desc("bulwark_instance_up",
		"1 while the instance runs, 0 once it failed or stopped.", "pattern", "name")
	descEventsDropped = desc("bulwark_events_dropped_total",
		"Events a subscriber of the event stream missed because its buffer was full.", "subscriber")
	descStatsErrors = desc("bulwark_collector_stats_errors",
		"Instances whose Stats this scrape could not read in time.")
	descSkipped = desc("bulwark_collector_instances_skipped",
		"1 when this scrape left instances out to stay within MaxInstances.")
)

var allDescs = []*prom.Desc{
	descCalls, descRejections, descCircuitState, descCircuitMode, descSlowCalls,
	descInFlight, descInFlightLimit, descQueueLength, descQueueCapacity,
	descLoadLevel, descBackpressure, descRateRejections, descActiveKeys,
	descAdaptiveLimit, descRetries, descRetryDelay, descBudgetDenied,
	descCallSeconds, descRestarts, descUp, descEventsDropped, descStatsErrors, descSkipped,
}

var (
	circuitStates = []circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open, circuitbreaker.HalfOpen}
	circuitModes  = []circuitbreaker.Mode{circuitbreaker.Normal, circuitbreaker.ForcedOpen, circuitbreaker.Disabled}
	loadLevels    = []loadshed.LoadLevel{loadshed.LevelNormal, loadshed.LevelElevated, loadshed.LevelHigh, loadshed.LevelCritical}
)

// outcome is one value of bulwark_calls_total.
type outcome struct {
	name string
	n    uint64
}

func calls(ch chan<- prom.Metric, in inventory.Instance, os ...outcome) {
	for _, o := range os {
		counter(ch, descCalls, float64(o.n), in.Kind, in.Name, o.name)
	}
}

func oneHot[T comparable](ch chan<- prom.Metric, d *prom.Desc, name string, cur T, all []T, str func(T) string) {
	for _, v := range all {
		on := 0.0
		if v == cur {
			on = 1
		}
		gauge(ch, d, on, name, str(v))
	}
}

// byReason sends one counter per reason, in a stable order.
func byReason(ch chan<- prom.Metric, in inventory.Instance, m map[string]uint64) {
	reasons := make([]string, 0, len(m))
	for r := range m {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		counter(ch, descRejections, float64(m[r]), in.Kind, in.Name, r)
	}
}

// occupancy sends in-flight and queue gauges; a negative bound is left out.
func occupancy(ch chan<- prom.Metric, in inventory.Instance, inFlight, limit, queued, capacity int) {
	gauge(ch, descInFlight, float64(inFlight), in.Kind, in.Name)
	gauge(ch, descInFlightLimit, float64(limit), in.Kind, in.Name)
	if queued >= 0 {
		gauge(ch, descQueueLength, float64(queued), in.Kind, in.Name)
	}
	if capacity >= 0 {
		gauge(ch, descQueueCapacity, float64(capacity), in.Kind, in.Name)
	}
}

// collectStats sends the metrics of one instance's Stats.
func collectStats(ch chan<- prom.Metric, in inventory.Instance) {
	switch s := in.Stats.(type) {
	case circuitbreaker.Stats:
		calls(ch, in, outcome{"success", s.Successful}, outcome{"failure", s.Failed},
			outcome{"rejected", s.Rejected}, outcome{"ignored", s.Ignored})
		oneHot(ch, descCircuitState, in.Name, s.State, circuitStates, circuitbreaker.State.String)
		oneHot(ch, descCircuitMode, in.Name, s.Mode, circuitModes, circuitbreaker.Mode.String)
		counter(ch, descSlowCalls, float64(s.Slow), in.Name)
	case bulkhead.Stats:
		calls(ch, in, outcome{"accepted", s.Accepted}, outcome{"rejected", s.Rejected}, outcome{"cancelled", s.Cancelled})
		byReason(ch, in, s.RejectedBy)
		occupancy(ch, in, s.Active, s.MaxConcurrent, s.Waiting, s.MaxWaiting)
	case backpressure.Stats:
		calls(ch, in, outcome{"accepted", s.Accepted}, outcome{"rejected", s.Rejected}, outcome{"cancelled", s.Cancelled})
		byReason(ch, in, s.RejectedBy)
		occupancy(ch, in, s.Pending, s.MaxPending, s.Waiting, -1)
		active := 0.0
		if s.Active {
			active = 1
		}
		gauge(ch, descBackpressure, active, in.Name)
	case loadshed.Stats:
		calls(ch, in, outcome{"shed", s.Shed})
		byReason(ch, in, s.ShedBy)
		occupancy(ch, in, s.InFlight, s.MaxInFlight, s.Queued, s.MaxQueue)
		oneHot(ch, descLoadLevel, in.Name, s.Level, loadLevels, loadshed.LoadLevel.String)
	case ratelimit.Stats:
		calls(ch, in, outcome{"allowed", s.Accepted}, outcome{"rejected", s.Rejected})
		counter(ch, descRateRejections, float64(s.Rejected), in.Name)
		gauge(ch, descActiveKeys, float64(s.ActiveKeys), in.Name)
	case adaptive.Stats:
		calls(ch, in, outcome{"success", s.Successes}, outcome{"failure", s.Failures}, outcome{"rejected", s.Rejected})
		occupancy(ch, in, s.InFlight, s.Limit, -1, -1)
		gauge(ch, descAdaptiveLimit, float64(s.Limit), in.Name)
	case retry.BudgetStats:
		counter(ch, descBudgetDenied, float64(s.Denied), in.Name)
	case retry.Stats:
		calls(ch, in, outcome{"success", s.Succeeded}, outcome{"exhausted", s.Exhausted}, outcome{"not_retried", s.NotRetried})
		retries := 0.0
		if s.Attempts > s.Calls {
			retries = float64(s.Attempts - s.Calls)
		}
		counter(ch, descRetries, retries, in.Name)
		counter(ch, descRetryDelay, s.TotalDelay.Seconds(), in.Name)
	case timeout.Stats:
		calls(ch, in, outcome{"success", s.Succeeded}, outcome{"timed_out", s.TimedOut}, outcome{"failure", s.Failed})
		counter(ch, descCallSeconds, s.TotalTime.Seconds(), in.Kind, in.Name)
	case fallback.Stats:
		calls(ch, in, outcome{"success", s.Succeeded}, outcome{"fell_back", s.FellBack},
			outcome{"failure", s.Failed}, outcome{"passed", s.Passed})
	}
}
