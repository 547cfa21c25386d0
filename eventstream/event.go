package eventstream

import (
	"fmt"
	"strings"
	"time"
)

// Type names an event. The names are those of the original library where it
// had one, plus Bulwark's additions.
type Type string

// Event types published by the patterns and the engine.
const (
	// Circuit breaker.
	EventStateChange   Type = "state_change"
	EventCircuitOpened Type = "circuit_opened"
	EventCircuitClosed Type = "circuit_closed"
	EventCircuitReset  Type = "circuit_reset"
	EventCallSuccess   Type = "call_success"
	EventCallFailure   Type = "call_failure"
	EventCallRejected  Type = "call_rejected"

	// Rate limiter.
	EventRateLimitExceeded Type = "rate_limit_exceeded"
	EventRateLimitPassed   Type = "rate_limit_passed"

	// Bulkhead.
	EventBulkheadRejected Type = "bulkhead_rejected"
	EventBulkheadAccepted Type = "bulkhead_accepted"

	// Load shedder.
	EventRequestShed      Type = "request_shed"
	EventRequestAccepted  Type = "request_accepted"
	EventLoadLevelChanged Type = "load_level_changed"

	// Backpressure.
	EventBackpressureOn       Type = "backpressure_on"
	EventBackpressureOff      Type = "backpressure_off"
	EventBackpressureRejected Type = "backpressure_rejected"

	// Adaptive concurrency.
	EventLimitChanged Type = "limit_changed"

	// Timeout.
	EventTimeoutExceeded Type = "timeout_exceeded"
	EventTimeoutSuccess  Type = "timeout_success"

	// Fallback.
	EventFallbackTriggered Type = "fallback_triggered"

	// Retry.
	EventRetryAttempt   Type = "retry_attempt"
	EventRetrySuccess   Type = "retry_success"
	EventRetryExhausted Type = "retry_exhausted"

	// Engine.
	EventActorRestarted   Type = "actor_restarted"
	EventActorFailed      Type = "actor_failed"
	EventBackendError     Type = "backend_error"
	EventSubscriberLagged Type = "subscriber_lagged"

	// Any stateful pattern whose Reconfigure applied a new configuration:
	// OldState and NewState hold the fields that changed, as
	// supervisor.Changes writes them ("MaxInFlight=10", "MaxInFlight=5").
	EventConfigChanged Type = "config_changed"
)

// Event is one thing that happened to one pattern instance. It is a plain
// value: copying it is safe and subscribers may keep it.
type Event struct {
	// Type says what happened.
	Type Type
	// Pattern is the publishing pattern's kind, e.g. "circuitbreaker", or
	// "engine" for the engine's own events.
	Pattern string
	// Name is the publishing instance's name.
	Name string
	// Time is when it happened, on the engine's clock.
	Time time.Time
	// Fields carries the event's data; which fields are set depends on Type
	// and is documented by each pattern.
	Fields Fields
	// PC, when not zero, is the program counter of the code that published
	// the event (as runtime.Callers reports it). Publish records it only
	// while the stream records callers (Stream.RecordCallers), for loggers
	// that show where an event came from.
	PC uintptr
}

// Fields is the typed payload of an Event: one flat struct for every event
// type (no map, no allocation). A field an event does not use is left zero.
type Fields struct {
	// OldState and NewState name states on a transition (breaker states,
	// load levels, "on"/"off").
	OldState, NewState string
	// Reason is a short machine-readable reason ("queue_full", "open", ...).
	Reason string
	// Key is the rate-limit key or another per-call key.
	Key string
	// Limit is the configured limit (rate string, max concurrent, ...) in
	// text form where it is not a plain number.
	Limit string
	// Count is the event's main counter: consecutive failures or
	// successes, active calls, pending items, dropped events.
	Count int64
	// Max is the bound Count is measured against (max concurrent, the new
	// concurrency limit, ...).
	Max int64
	// Attempt and MaxAttempts number retry attempts (1-based).
	Attempt, MaxAttempts int
	// Delay is a wait: the retry delay, the remaining open time.
	Delay time.Duration
	// Elapsed is how long the call ran.
	Elapsed time.Duration
	// Err is the error's text, where the event is about an error.
	Err string
}

// String renders the event on one line, for logs and tests: its type,
// pattern/name, and each field that is set as name=value, in the order and
// with the names of Fields.Visit ("call_failure circuitbreaker/db count=3
// error=boom"). A string value with a space, a quote or an equals sign, or
// an empty one, is quoted.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%s", e.Type, e.Pattern, e.Name)
	e.Fields.Visit(func(name string, value any) {
		if v, ok := value.(string); ok && (v == "" || strings.ContainsAny(v, " \t\n\"=")) {
			value = fmt.Sprintf("%q", v)
		}
		fmt.Fprintf(&b, " %s=%v", name, value)
	})
	return b.String()
}

// Visit calls fn with the name and value of each field of f that is set
// (not zero), in this order: old_state, new_state, reason, key, limit,
// error (strings); count, max (int64); attempt and max_attempts (ints,
// both when Attempt is set); delay, elapsed (time.Duration). It is the
// logger-neutral view of Fields that String and the zap adapter use.
func (f Fields) Visit(fn func(name string, value any)) {
	for _, s := range [...]struct{ name, val string }{
		{"old_state", f.OldState}, {"new_state", f.NewState}, {"reason", f.Reason},
		{"key", f.Key}, {"limit", f.Limit}, {"error", f.Err},
	} {
		if s.val != "" {
			fn(s.name, s.val)
		}
	}
	if f.Count != 0 {
		fn("count", f.Count)
	}
	if f.Max != 0 {
		fn("max", f.Max)
	}
	if f.Attempt != 0 {
		fn("attempt", f.Attempt)
		fn("max_attempts", f.MaxAttempts)
	}
	if f.Delay != 0 {
		fn("delay", f.Delay)
	}
	if f.Elapsed != 0 {
		fn("elapsed", f.Elapsed)
	}
}
