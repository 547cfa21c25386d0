package dashboard

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
)

// StatusView is the JSON body of /status.
type StatusView struct {
	// Time is when the view was made (the server's clock).
	Time time.Time `json:"time"`
	// Instances lists every instance, supervised ones oldest first.
	Instances []InstanceView `json:"instances"`
	// Truncated is true when MaxInstances left instances out.
	Truncated bool `json:"truncated"`
	// Unreadable counts the instances whose stats could not be read in time.
	Unreadable int `json:"unreadable"`
}

// InstanceView is one instance in /status.
type InstanceView struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Status is the supervisor's: "running", "failed" or "stopped".
	Status   string `json:"status"`
	Restarts int    `json:"restarts"`
	// State is the instance's state in one word where its kind has one:
	// a breaker's "closed", "open" or "half_open"; a load shedder's level;
	// a backpressure gate's "on" or "off". Empty otherwise.
	State string `json:"state,omitempty"`
	// Stats is one of the *View structs below, by kind; null when the
	// stats could not be read.
	Stats any `json:"stats"`
}

// The *View structs below carry each kind's Stats under the snake_case of
// the Stats field names, so the same thing has the same JSON name in every
// kind (in_flight, max_in_flight, waiting, max_waiting, accepted,
// rejected, rejected_by, cancelled, misused, succeeded, failed); enums are
// their strings, durations are milliseconds (a _ms suffix), times RFC 3339.
// rejected_by is keyed by the pattern's Reason constants, never by a
// caller's key. Name is InstanceView's.

// BreakerView is a circuit breaker's stats.
type BreakerView struct {
	State                string  `json:"state"`
	Mode                 string  `json:"mode"`
	Generation           uint64  `json:"generation"`
	Total                uint64  `json:"total"`
	Succeeded            uint64  `json:"succeeded"`
	Failed               uint64  `json:"failed"`
	Rejected             uint64  `json:"rejected"`
	Ignored              uint64  `json:"ignored"`
	Misused              uint64  `json:"misused"`
	Slow                 uint64  `json:"slow"`
	ConsecutiveFailures  int     `json:"consecutive_failures"`
	ConsecutiveSuccesses int     `json:"consecutive_successes"`
	FailureRate          float64 `json:"failure_rate"`
	WindowCalls          int     `json:"window_calls"`
	WindowFailureRate    float64 `json:"window_failure_rate"`
	WindowSlowCallRate   float64 `json:"window_slow_call_rate"`
	HalfOpenInFlight     int     `json:"half_open_in_flight"`
	OpenRemainingMS      int64   `json:"open_remaining_ms"`
	LastStateChange      string  `json:"last_state_change,omitempty"`
}

// AdmissionView is what bulkhead, backpressure and loadshed share: the
// calls admitted and not yet released, the calls waiting, and what became
// of the calls. Its fields appear at the top level of their JSON.
type AdmissionView struct {
	InFlight     int               `json:"in_flight"`
	PeakInFlight int               `json:"peak_in_flight"`
	MaxInFlight  int               `json:"max_in_flight"`
	Waiting      int               `json:"waiting"`
	MaxWaiting   int               `json:"max_waiting"`
	Accepted     uint64            `json:"accepted"`
	Rejected     uint64            `json:"rejected"`
	RejectedBy   map[string]uint64 `json:"rejected_by"`
	Cancelled    uint64            `json:"cancelled"`
	Misused      uint64            `json:"misused"`
}

// BulkheadView is a bulkhead's stats.
type BulkheadView struct {
	AdmissionView
}

// BackpressureView is a backpressure gate's stats.
type BackpressureView struct {
	AdmissionView
	HighWaterMark int     `json:"high_water_mark"`
	LowWaterMark  int     `json:"low_water_mark"`
	Active        bool    `json:"active"`
	Overloaded    bool    `json:"overloaded"`
	Utilization   float64 `json:"utilization"`
}

// LoadShedView is a load shedder's stats.
type LoadShedView struct {
	AdmissionView
	Level       string  `json:"level"`
	SignalLevel string  `json:"signal_level"`
	Utilization float64 `json:"utilization"`
}

// RateLimitView is a rate limiter's stats (a count of keys, never keys).
type RateLimitView struct {
	Algorithm  string            `json:"algorithm"`
	Shards     int               `json:"shards"`
	ActiveKeys int               `json:"active_keys"`
	MaxKeys    int               `json:"max_keys"`
	Accepted   uint64            `json:"accepted"`
	Rejected   uint64            `json:"rejected"`
	RejectedBy map[string]uint64 `json:"rejected_by"`
	Cancelled  uint64            `json:"cancelled"`
}

// AdaptiveView is an adaptive concurrency limiter's stats.
type AdaptiveView struct {
	Algorithm       string  `json:"algorithm"`
	Limit           int     `json:"limit"`
	MinLimit        int     `json:"min_limit"`
	MaxLimit        int     `json:"max_limit"`
	InFlight        int     `json:"in_flight"`
	Utilization     float64 `json:"utilization"`
	Completed       uint64  `json:"completed"`
	Succeeded       uint64  `json:"succeeded"`
	Failed          uint64  `json:"failed"`
	Rejected        uint64  `json:"rejected"`
	Misused         uint64  `json:"misused"`
	WindowSucceeded int     `json:"window_succeeded"`
	WindowFailed    int     `json:"window_failed"`
	BaselineRTTMS   float64 `json:"baseline_rtt_ms"`
	RecentRTTMS     float64 `json:"recent_rtt_ms"`
}

// BudgetView is a retry budget's stats.
type BudgetView struct {
	Calls    int64  `json:"calls"`
	Retries  int64  `json:"retries"`
	Limit    int64  `json:"limit"`
	Accepted uint64 `json:"accepted"`
	Rejected uint64 `json:"rejected"`
}

// RetryView is a Retry's stats (its last error's text is never shown).
type RetryView struct {
	Calls          uint64  `json:"calls"`
	Attempts       uint64  `json:"attempts"`
	Succeeded      uint64  `json:"succeeded"`
	FailedAttempts uint64  `json:"failed_attempts"`
	Exhausted      uint64  `json:"exhausted"`
	NotRetried     uint64  `json:"not_retried"`
	TotalDelayMS   float64 `json:"total_delay_ms"`
}

// TimeoutView is a Timeout's or Deadline's stats.
type TimeoutView struct {
	Calls       uint64  `json:"calls"`
	Succeeded   uint64  `json:"succeeded"`
	Failed      uint64  `json:"failed"`
	TimedOut    uint64  `json:"timed_out"`
	TotalTimeMS float64 `json:"total_time_ms"`
}

// FallbackView is a Fallback's stats.
type FallbackView struct {
	Calls     uint64 `json:"calls"`
	Succeeded uint64 `json:"succeeded"`
	FellBack  uint64 `json:"fell_back"`
	Failed    uint64 `json:"failed"`
	Passed    uint64 `json:"passed"`
}

// HedgeView is a Hedge's stats.
type HedgeView struct {
	Calls     uint64 `json:"calls"`
	Succeeded uint64 `json:"succeeded"`
	Failed    uint64 `json:"failed"`
	Hedges    uint64 `json:"hedges"`
	Won       uint64 `json:"won"`
	Rejected  uint64 `json:"rejected"`
}

// CoalesceView is a coalesce Group's stats (counts only, never keys).
type CoalesceView struct {
	Leaders    uint64            `json:"leaders"`
	Followers  uint64            `json:"followers"`
	Reused     uint64            `json:"reused"`
	Rejected   uint64            `json:"rejected"`
	RejectedBy map[string]uint64 `json:"rejected_by"`
	Gone       uint64            `json:"gone"`
	Cancelled  uint64            `json:"cancelled"`
	Panics     uint64            `json:"panics"`
	InFlight   int               `json:"in_flight"`
	Kept       int               `json:"kept"`
}

// CacheView is a Cache's stats (counts only, never keys).
type CacheView struct {
	Calls        uint64 `json:"calls"`
	Hits         uint64 `json:"hits"`
	StaleHits    uint64 `json:"stale_hits"`
	NegativeHits uint64 `json:"negative_hits"`
	Misses       uint64 `json:"misses"`
	Refreshes    uint64 `json:"refreshes"`
	Stored       uint64 `json:"stored"`
	Bypassed     uint64 `json:"bypassed"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// viewOf converts one instance; its error text is left out.
func viewOf(in inventory.Instance) InstanceView {
	v := InstanceView{Kind: in.Kind, Name: in.Name, Status: in.Status.String(), Restarts: in.Restarts}
	switch s := in.Stats.(type) {
	case circuitbreaker.Stats:
		v.State = s.State.String()
		b := BreakerView{State: v.State, Mode: s.Mode.String(), Generation: s.Generation, Total: s.Total,
			Succeeded: s.Succeeded, Failed: s.Failed, Rejected: s.Rejected, Ignored: s.Ignored,
			Misused: s.Misused, Slow: s.Slow,
			ConsecutiveFailures: s.ConsecutiveFailures, ConsecutiveSuccesses: s.ConsecutiveSuccesses,
			FailureRate: s.FailureRate, WindowCalls: s.WindowCalls, WindowFailureRate: s.WindowFailureRate,
			WindowSlowCallRate: s.WindowSlowCallRate, HalfOpenInFlight: s.HalfOpenInFlight,
			OpenRemainingMS: s.OpenRemaining.Milliseconds()}
		if !s.LastStateChange.IsZero() {
			b.LastStateChange = s.LastStateChange.UTC().Format(time.RFC3339Nano)
		}
		v.Stats = b
	case bulkhead.Stats:
		v.Stats = BulkheadView{AdmissionView{InFlight: s.InFlight, PeakInFlight: s.PeakInFlight,
			MaxInFlight: s.MaxInFlight, Waiting: s.Waiting, MaxWaiting: s.MaxWaiting, Accepted: s.Accepted,
			Rejected: s.Rejected, RejectedBy: s.RejectedBy, Cancelled: s.Cancelled, Misused: s.Misused}}
	case backpressure.Stats:
		v.State = onOff(s.Active)
		v.Stats = BackpressureView{AdmissionView: AdmissionView{InFlight: s.InFlight, PeakInFlight: s.PeakInFlight,
			MaxInFlight: s.MaxInFlight, Waiting: s.Waiting, MaxWaiting: s.MaxWaiting, Accepted: s.Accepted,
			Rejected: s.Rejected, RejectedBy: s.RejectedBy, Cancelled: s.Cancelled, Misused: s.Misused},
			HighWaterMark: s.HighWaterMark, LowWaterMark: s.LowWaterMark, Active: s.Active,
			Overloaded: s.Overloaded, Utilization: s.Utilization}
	case loadshed.Stats:
		v.State = s.Level.String()
		v.Stats = LoadShedView{AdmissionView: AdmissionView{InFlight: s.InFlight, PeakInFlight: s.PeakInFlight,
			MaxInFlight: s.MaxInFlight, Waiting: s.Waiting, MaxWaiting: s.MaxWaiting, Accepted: s.Accepted,
			Rejected: s.Rejected, RejectedBy: s.RejectedBy, Cancelled: s.Cancelled, Misused: s.Misused},
			Level: v.State, SignalLevel: s.SignalLevel.String(), Utilization: s.Utilization}
	case ratelimit.Stats:
		v.Stats = RateLimitView{Algorithm: s.Algorithm.String(), Shards: s.Shards, ActiveKeys: s.ActiveKeys,
			MaxKeys: s.MaxKeys, Accepted: s.Accepted, Rejected: s.Rejected, RejectedBy: s.RejectedBy,
			Cancelled: s.Cancelled}
	case adaptive.Stats:
		v.Stats = AdaptiveView{Algorithm: s.Algorithm.String(), Limit: s.Limit, MinLimit: s.MinLimit,
			MaxLimit: s.MaxLimit, InFlight: s.InFlight, Utilization: s.Utilization, Completed: s.Completed,
			Succeeded: s.Succeeded, Failed: s.Failed, Rejected: s.Rejected, Misused: s.Misused,
			WindowSucceeded: s.WindowSucceeded, WindowFailed: s.WindowFailed,
			BaselineRTTMS: ms(s.BaselineRTT), RecentRTTMS: ms(s.RecentRTT)}
	case retry.BudgetStats:
		v.Stats = BudgetView{Calls: s.Calls, Retries: s.Retries, Limit: s.Limit,
			Accepted: s.Accepted, Rejected: s.Rejected}
	case retry.Stats:
		v.Stats = RetryView{Calls: s.Calls, Attempts: s.Attempts, Succeeded: s.Succeeded,
			FailedAttempts: s.FailedAttempts, Exhausted: s.Exhausted, NotRetried: s.NotRetried,
			TotalDelayMS: ms(s.TotalDelay)}
	case timeout.Stats:
		v.Stats = TimeoutView{Calls: s.Calls, Succeeded: s.Succeeded, TimedOut: s.TimedOut,
			Failed: s.Failed, TotalTimeMS: ms(s.TotalTime)}
	case fallback.Stats:
		v.Stats = FallbackView{Calls: s.Calls, Succeeded: s.Succeeded, FellBack: s.FellBack,
			Failed: s.Failed, Passed: s.Passed}
	case hedge.Stats:
		v.Stats = HedgeView{Calls: s.Calls, Succeeded: s.Succeeded, Failed: s.Failed, Hedges: s.Hedges,
			Won: s.Won, Rejected: s.Rejected}
	case coalesce.Stats:
		v.Stats = CoalesceView{Leaders: s.Leaders, Followers: s.Followers, Reused: s.Reused,
			Rejected: s.Rejected, RejectedBy: s.RejectedBy, Gone: s.Gone, Cancelled: s.Cancelled,
			Panics: s.Panics, InFlight: s.InFlight, Kept: s.Kept}
	case cache.Stats:
		v.Stats = CacheView{Calls: s.Calls, Hits: s.Hits, StaleHits: s.StaleHits, NegativeHits: s.NegativeHits,
			Misses: s.Misses, Refreshes: s.Refreshes, Stored: s.Stored, Bypassed: s.Bypassed}
	}
	return v
}
