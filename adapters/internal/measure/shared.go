package measure

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/adapters/redisbreaker"
)

// The metrics of the instances shared through Redis (a *redis.Limiter or a
// *redisbreaker.Breaker added to a Source), beside Calls and Rejections
// which they share with the other patterns under their own pattern label
// (redis.Kind, redisbreaker.Kind). They are not in All: an exporter that
// reports these instances lists Shared too.
var (
	SharedState = metric("bulwark.shared_circuit.state", "1", Gauge,
		"1 for the shared circuit's state as this process last saw it, 0 for the others.", "name", "state")
	SharedGeneration = metric("bulwark.shared_circuit.generation", "1", Gauge,
		"The shared circuit's generation as this process last saw it.", "name")
	SharedFallback = metric("bulwark.shared_circuit.fallback", "1", Gauge,
		"1 while Redis is unreachable and the process's local breaker decides alone, else 0.", "name")
	SharedFlushes = metric("bulwark.shared_circuit.flushes", "{flush}", Counter,
		"Flushes of this process's outcomes to Redis, by outcome: success or error.", "name", "outcome")
	SharedTrials = metric("bulwark.shared_circuit.trials", "{lease}", Counter,
		"Half-open trial leases this process was granted.", "name")
	RateBackendErrors = metric("bulwark.rate_limit.backend_errors", "{request}", Counter,
		"Decisions of the Redis rate limiter that could not reach Redis.", "name")
	RateFailedOpen = metric("bulwark.rate_limit.failed_open", "{request}", Counter,
		"Requests the Redis rate limiter admitted because Redis could not be reached.", "name")
	RateReturned = metric("bulwark.rate_limit.returned_permits", "{permit}", Counter,
		"Permits the Redis rate limiter took ahead (LocalBatch) and gave back unused.", "name")
)

// Shared lists the metrics only the instances shared through Redis send.
var Shared = []*Metric{
	SharedState, SharedGeneration, SharedFallback, SharedFlushes, SharedTrials,
	RateBackendErrors, RateFailedOpen, RateReturned,
}

// isShared reports whether h is a non-nil instance shared through Redis.
func isShared(h any) bool {
	switch h := h.(type) {
	case *redis.Limiter:
		return h != nil
	case *redisbreaker.Breaker:
		return h != nil
	}
	return false
}

// sharedStats sends the samples of h, a *redis.Limiter or a
// *redisbreaker.Breaker, read under ctx; nothing if its Stats cannot be
// read (its engine stopped or ctx ended). It reports whether they could.
func sharedStats(ctx context.Context, emit Emit, h any) bool {
	switch h := h.(type) {
	case *redis.Limiter:
		s, err := h.Stats(ctx)
		if err != nil {
			return false
		}
		LimiterStats(emit, s)
	case *redisbreaker.Breaker:
		s, err := h.Stats(ctx)
		if err != nil {
			return false
		}
		BreakerStats(emit, s)
	}
	return true
}

// LimiterStats sends the samples of a Redis rate limiter's Stats, as
// pattern redis.Kind.
func LimiterStats(emit Emit, s redis.Stats) {
	in := inventory.Instance{Kind: redis.Kind, Name: s.Name}
	calls(emit, in, outcome{"accepted", s.Accepted}, outcome{"rejected", s.Rejected}, outcome{"cancelled", s.Cancelled})
	byReason(emit, in, s.RejectedBy)
	emit(RateBackendErrors, float64(s.BackendErrors), s.Name)
	emit(RateFailedOpen, float64(s.FailedOpen), s.Name)
	emit(RateReturned, float64(s.Returned), s.Name)
}

// BreakerStats sends the samples of a shared breaker's Stats, as pattern
// redisbreaker.Kind; its local breaker is a circuitbreaker instance of its
// own, reported as such.
func BreakerStats(emit Emit, s redisbreaker.Stats) {
	emit(Calls, float64(s.Rejected), redisbreaker.Kind, s.Name, "rejected")
	oneHot(emit, SharedState, s.Name, s.State, circuitStates, circuitbreaker.State.String)
	emit(SharedGeneration, float64(s.Generation), s.Name)
	emit(SharedFallback, flag(s.Fallback), s.Name)
	emit(SharedFlushes, float64(s.Flushes), s.Name, "success")
	emit(SharedFlushes, float64(s.FlushErrors), s.Name, "error")
	emit(SharedTrials, float64(s.Trials), s.Name)
}
