package measure

import "strings"

// Type is how a metric's value moves.
type Type uint8

const (
	// Counter only grows (it restarts at zero with the process or after a
	// ResetStats).
	Counter Type = iota
	// Gauge is a level that is not summed across instances (a limit, a
	// state's one-hot flag).
	Gauge
	// UpDown is a level that is meaningful summed across instances (calls
	// in flight, callers waiting).
	UpDown
)

// Metric is one metric of the table: its names, unit, help and labels.
// The label values come in the order of Labels.
type Metric struct {
	// Prom is the Prometheus name (snake_case, _seconds on seconds, _total
	// on counters).
	Prom string
	// OTel is the OpenTelemetry instrument name (dotted, no _total).
	OTel string
	// Unit is the UCUM unit of the OpenTelemetry instrument ("{call}",
	// "s", ...); a Prometheus name carries it in its suffix instead.
	Unit string
	// Help is the description of both.
	Help   string
	Type   Type
	Labels []string
}

// Float reports whether the values are fractional (seconds); the others
// are whole counts.
func (m *Metric) Float() bool { return m.Unit == "s" }

// metric returns the metric named otel in OpenTelemetry. Its Prometheus
// name is the same words joined by underscores, then _seconds if its unit
// is seconds and _total if it is a Counter ("bulwark.retry.delay", "s",
// Counter: bulwark_retry_delay_seconds_total); promAs sets another.
func metric(otel, unit string, t Type, help string, labels ...string) *Metric {
	prom := strings.ReplaceAll(otel, ".", "_")
	if unit == "s" {
		prom += "_seconds"
	}
	if t == Counter {
		prom += "_total"
	}
	return &Metric{Prom: prom, OTel: otel, Unit: unit, Help: help, Type: t, Labels: labels}
}

// promAs sets m's Prometheus name, for the metrics first published under
// a name the rule of metric does not give.
func (m *Metric) promAs(name string) *Metric {
	m.Prom = name
	return m
}

// The metrics, in the order of All.
var (
	Calls = metric("bulwark.calls", "{call}", Counter,
		"Calls through a pattern instance, by how they ended.", "pattern", "name", "outcome")
	Rejections = metric("bulwark.rejections", "{call}", Counter,
		"Calls an instance refused, by reason.", "pattern", "name", "reason")
	CircuitState = metric("bulwark.circuit.state", "1", Gauge,
		"1 for the circuit breaker's current state, 0 for the others.", "name", "state")
	CircuitMode = metric("bulwark.circuit.mode", "1", Gauge,
		"1 for the circuit breaker's current mode, 0 for the others.", "name", "mode")
	SlowCalls = metric("bulwark.circuit.slow_calls", "{call}", Counter,
		"Calls at or above the breaker's slow-call duration.", "name")
	InFlight = metric("bulwark.in_flight", "{call}", UpDown,
		"Calls holding a permit of the instance.", "pattern", "name")
	InFlightLimit = metric("bulwark.in_flight.limit", "{call}", Gauge,
		"The most calls that may hold a permit of the instance at once.", "pattern", "name")
	QueueLength = metric("bulwark.queue.length", "{call}", UpDown,
		"Callers waiting for a permit of the instance.", "pattern", "name")
	QueueCapacity = metric("bulwark.queue.capacity", "{call}", Gauge,
		"The most callers that may wait for a permit of the instance.", "pattern", "name")
	LoadLevel = metric("bulwark.load_level", "1", Gauge,
		"1 for the load shedder's current load level, 0 for the others.", "name", "level")
	Backpressure = metric("bulwark.backpressure.active", "1", Gauge,
		"1 while the backpressure gate applies backpressure, else 0.", "name")
	RateRejections = metric("bulwark.rate_limit.rejections", "{request}", Counter,
		"Requests the rate limiter refused, by reason.", "name", "reason")
	ActiveKeys = metric("bulwark.rate_limit.active_keys", "{key}", UpDown,
		"Keys for which the rate limiter holds state.", "name")
	AdaptiveLimit = metric("bulwark.adaptive.limit", "{call}", Gauge,
		"The adaptive concurrency limit.", "name")
	Retries = metric("bulwark.retry.retries", "{attempt}", Counter,
		"Attempts after the first, of the calls that have returned.", "name").promAs("bulwark_retries_total")
	RetryDelay = metric("bulwark.retry.delay", "s", Counter,
		"Time chosen to wait between attempts.", "name")
	BudgetRetries = metric("bulwark.retry_budget.retries", "{attempt}", Counter,
		"Retries the retry budget was asked for, by outcome: accepted or rejected.", "name", "outcome")
	CallSeconds = metric("bulwark.timeout.call_time", "s", Counter,
		"Time the calls of a timeout or deadline took, added up.", "pattern", "name").promAs("bulwark_timeout_call_seconds_total")
	Hedges = metric("bulwark.hedge.hedges", "{attempt}", Counter,
		"Hedges by what became of them: started, won (the call's success came from it), rejected by the budget.", "name", "outcome").
		promAs("bulwark_hedges_total")
	Restarts = metric("bulwark.instance.restarts", "{restart}", Counter,
		"Restarts of the instance by the supervisor.", "pattern", "name")
	Up = metric("bulwark.instance.up", "1", Gauge,
		"1 while the instance runs, 0 once it failed or stopped.", "pattern", "name")
	EventsDropped = metric("bulwark.events.dropped", "{event}", Counter,
		"Events a subscriber of the event stream missed because its buffer was full.", "subscriber")
	StatsErrors = metric("bulwark.collector.stats_errors", "{instance}", Gauge,
		"Instances whose Stats this collection could not read in time.")
	Skipped = metric("bulwark.collector.instances_skipped", "1", Gauge,
		"1 when this collection left instances out to stay within MaxInstances.")
)

// All lists every metric a Source may send.
var All = []*Metric{
	Calls, Rejections, CircuitState, CircuitMode, SlowCalls,
	InFlight, InFlightLimit, QueueLength, QueueCapacity,
	LoadLevel, Backpressure, RateRejections, ActiveKeys,
	AdaptiveLimit, Retries, RetryDelay, BudgetRetries, CallSeconds,
	Hedges, Restarts, Up, EventsDropped, StatsErrors, Skipped,
}
