package measure

import (
	"sort"

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

// Emit receives one sample: metric m's value v for the label values
// labels (in the order of m.Labels). The labels slice is the callee's to
// keep or change.
type Emit func(m *Metric, v float64, labels ...string)

var (
	circuitStates = []circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open, circuitbreaker.HalfOpen}
	circuitModes  = []circuitbreaker.Mode{circuitbreaker.Normal, circuitbreaker.ForcedOpen, circuitbreaker.Disabled}
	loadLevels    = []loadshed.LoadLevel{loadshed.LevelNormal, loadshed.LevelElevated, loadshed.LevelHigh, loadshed.LevelCritical}
)

// outcome is one value of Calls.
type outcome struct {
	name string
	n    uint64
}

func calls(emit Emit, in inventory.Instance, os ...outcome) {
	for _, o := range os {
		emit(Calls, float64(o.n), in.Kind, in.Name, o.name)
	}
}

func oneHot[T comparable](emit Emit, m *Metric, name string, cur T, all []T, str func(T) string) {
	for _, v := range all {
		on := 0.0
		if v == cur {
			on = 1
		}
		emit(m, on, name, str(v))
	}
}

// byReason sends one Rejections sample per reason, in a stable order.
func byReason(emit Emit, in inventory.Instance, by map[string]uint64) {
	for _, r := range sortedKeys(by) {
		emit(Rejections, float64(by[r]), in.Kind, in.Name, r)
	}
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// occupancy sends the in-flight and queue samples; a negative figure is
// left out.
func occupancy(emit Emit, in inventory.Instance, inFlight, limit, queued, capacity int) {
	emit(InFlight, float64(inFlight), in.Kind, in.Name)
	if limit >= 0 {
		emit(InFlightLimit, float64(limit), in.Kind, in.Name)
	}
	if queued >= 0 {
		emit(QueueLength, float64(queued), in.Kind, in.Name)
	}
	if capacity >= 0 {
		emit(QueueCapacity, float64(capacity), in.Kind, in.Name)
	}
}

func flag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Stats sends the samples of one instance's Stats (nothing for a Stats
// type it does not know).
func Stats(emit Emit, in inventory.Instance) {
	switch s := in.Stats.(type) {
	case circuitbreaker.Stats:
		calls(emit, in, outcome{"success", s.Succeeded}, outcome{"failure", s.Failed},
			outcome{"rejected", s.Rejected}, outcome{"ignored", s.Ignored})
		oneHot(emit, CircuitState, in.Name, s.State, circuitStates, circuitbreaker.State.String)
		oneHot(emit, CircuitMode, in.Name, s.Mode, circuitModes, circuitbreaker.Mode.String)
		emit(SlowCalls, float64(s.Slow), in.Name)
	case bulkhead.Stats:
		calls(emit, in, outcome{"accepted", s.Accepted}, outcome{"rejected", s.Rejected}, outcome{"cancelled", s.Cancelled})
		byReason(emit, in, s.RejectedBy)
		occupancy(emit, in, s.InFlight, s.MaxInFlight, s.Waiting, s.MaxWaiting)
	case backpressure.Stats:
		calls(emit, in, outcome{"accepted", s.Accepted}, outcome{"rejected", s.Rejected}, outcome{"cancelled", s.Cancelled})
		byReason(emit, in, s.RejectedBy)
		occupancy(emit, in, s.InFlight, s.MaxInFlight, s.Waiting, s.MaxWaiting)
		emit(Backpressure, flag(s.Active), in.Name)
	case loadshed.Stats:
		calls(emit, in, outcome{"shed", s.Rejected})
		byReason(emit, in, s.RejectedBy)
		occupancy(emit, in, s.InFlight, s.MaxInFlight, s.Waiting, s.MaxWaiting)
		oneHot(emit, LoadLevel, in.Name, s.Level, loadLevels, loadshed.LoadLevel.String)
	case ratelimit.Stats:
		calls(emit, in, outcome{"accepted", s.Accepted}, outcome{"rejected", s.Rejected}, outcome{"cancelled", s.Cancelled})
		for _, r := range sortedKeys(s.RejectedBy) {
			emit(RateRejections, float64(s.RejectedBy[r]), in.Name, r)
		}
		emit(ActiveKeys, float64(s.ActiveKeys), in.Name)
	case adaptive.Stats:
		calls(emit, in, outcome{"success", s.Succeeded}, outcome{"failure", s.Failed}, outcome{"rejected", s.Rejected})
		occupancy(emit, in, s.InFlight, s.Limit, -1, -1)
		emit(AdaptiveLimit, float64(s.Limit), in.Name)
	case retry.BudgetStats:
		emit(BudgetRetries, float64(s.Accepted), in.Name, "accepted")
		emit(BudgetRetries, float64(s.Rejected), in.Name, "rejected")
	case retry.Stats:
		calls(emit, in, outcome{"success", s.Succeeded}, outcome{"exhausted", s.Exhausted}, outcome{"not_retried", s.NotRetried})
		emit(Retries, float64(s.Attempts-min(s.Attempts, s.Calls)), in.Name)
		emit(RetryDelay, s.TotalDelay.Seconds(), in.Name)
	case timeout.Stats:
		calls(emit, in, outcome{"success", s.Succeeded}, outcome{"timed_out", s.TimedOut},
			outcome{"failure", s.Failed - min(s.TimedOut, s.Failed)})
		emit(CallSeconds, s.TotalTime.Seconds(), in.Kind, in.Name)
	case fallback.Stats:
		calls(emit, in, outcome{"success", s.Succeeded}, outcome{"fell_back", s.FellBack},
			outcome{"failure", s.Failed}, outcome{"passed", s.Passed})
	case hedge.Stats:
		calls(emit, in, outcome{"success", s.Succeeded}, outcome{"failure", s.Failed})
		emit(Hedges, float64(s.Hedges), in.Name, "started")
		emit(Hedges, float64(s.Won), in.Name, "won")
		emit(Hedges, float64(s.Rejected), in.Name, "rejected")
	case coalesce.Stats:
		calls(emit, in, outcome{"leader", s.Leaders}, outcome{"follower", s.Followers},
			outcome{"reused", s.Reused}, outcome{"rejected", s.Rejected}, outcome{"gone", s.Gone})
		byReason(emit, in, s.RejectedBy)
		emit(InFlight, float64(s.InFlight), in.Kind, in.Name)
	case cache.Stats:
		fresh := s.Hits - min(s.Hits, s.StaleHits+s.NegativeHits)
		calls(emit, in, outcome{"hit", fresh}, outcome{"stale_hit", s.StaleHits},
			outcome{"negative_hit", s.NegativeHits}, outcome{"miss", s.Misses}, outcome{"bypassed", s.Bypassed})
	}
}
