package prometheus

import (
	"context"
	"sort"

	prom "github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/internal/measure"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/adapters/redisbreaker"
)

// The metrics of the instances shared through Redis (Collector.Add of a
// *redis.Limiter or a *redisbreaker.Breaker), beside the ones of
// measure.All they share: bulwark_calls_total and bulwark_rejections_total
// with pattern "ratelimit-redis" or "redisbreaker".
var (
	sharedState = prom.NewDesc("bulwark_shared_circuit_state",
		"1 for the shared circuit's state as this process last saw it, 0 for the others.", []string{"name", "state"}, nil)
	sharedGeneration = prom.NewDesc("bulwark_shared_circuit_generation",
		"The shared circuit's generation as this process last saw it.", []string{"name"}, nil)
	sharedFallback = prom.NewDesc("bulwark_shared_circuit_fallback",
		"1 while Redis is unreachable and the process's local breaker decides alone, else 0.", []string{"name"}, nil)
	sharedFlushes = prom.NewDesc("bulwark_shared_circuit_flushes_total",
		"Flushes of this process's outcomes to Redis, by outcome: success or error.", []string{"name", "outcome"}, nil)
	sharedTrials = prom.NewDesc("bulwark_shared_circuit_trials_total",
		"Half-open trial leases this process was granted.", []string{"name"}, nil)
	rateBackendErrors = prom.NewDesc("bulwark_rate_limit_backend_errors_total",
		"Decisions of the Redis rate limiter that could not reach Redis.", []string{"name"}, nil)
	rateFailedOpen = prom.NewDesc("bulwark_rate_limit_failed_open_total",
		"Requests the Redis rate limiter admitted because Redis could not be reached.", []string{"name"}, nil)
	rateReturned = prom.NewDesc("bulwark_rate_limit_returned_permits_total",
		"Permits the Redis rate limiter took ahead (LocalBatch) and gave back unused.", []string{"name"}, nil)
	redisDescs = []*prom.Desc{sharedState, sharedGeneration, sharedFallback, sharedFlushes, sharedTrials,
		rateBackendErrors, rateFailedOpen, rateReturned}
)

var sharedStates = []circuitbreaker.State{circuitbreaker.Closed, circuitbreaker.Open, circuitbreaker.HalfOpen}

// addRedis registers h if it is an instance shared through Redis, and
// reports whether it was one.
func (c *Collector) addRedis(h any) bool {
	switch h := h.(type) {
	case *redis.Limiter:
		if h == nil {
			return false
		}
	case *redisbreaker.Breaker:
		if h == nil {
			return false
		}
	default:
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.redis {
		if x == h {
			return true
		}
	}
	c.redis = append(c.redis, h)
	return true
}

// collectRedis sends the metrics of the instances shared through Redis,
// reading their Stats under one deadline of Options.Timeout; an instance
// whose Stats cannot be read (its engine stopped) is left out.
func (c *Collector) collectRedis(ch chan<- prom.Metric) {
	c.mu.Lock()
	list := c.redis
	c.mu.Unlock()
	if len(list) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	send := func(d *prom.Desc, t prom.ValueType, v float64, labels ...string) {
		ch <- prom.MustNewConstMetric(d, t, v, validUTF8(labels)...)
	}
	counter := func(m *measure.Metric, v uint64, labels ...string) {
		send(descs[m], prom.CounterValue, float64(v), labels...)
	}
	for _, h := range list {
		switch h := h.(type) {
		case *redis.Limiter:
			s, err := h.Stats(ctx)
			if err != nil {
				continue
			}
			counter(measure.Calls, s.Accepted, redis.Kind, s.Name, "accepted")
			counter(measure.Calls, s.Rejected, redis.Kind, s.Name, "rejected")
			counter(measure.Calls, s.Cancelled, redis.Kind, s.Name, "cancelled")
			reasons := make([]string, 0, len(s.RejectedBy))
			for r := range s.RejectedBy {
				reasons = append(reasons, r)
			}
			sort.Strings(reasons)
			for _, r := range reasons {
				counter(measure.Rejections, s.RejectedBy[r], redis.Kind, s.Name, r)
			}
			send(rateBackendErrors, prom.CounterValue, float64(s.BackendErrors), s.Name)
			send(rateFailedOpen, prom.CounterValue, float64(s.FailedOpen), s.Name)
			send(rateReturned, prom.CounterValue, float64(s.Returned), s.Name)
		case *redisbreaker.Breaker:
			s, err := h.Stats(ctx)
			if err != nil {
				continue
			}
			counter(measure.Calls, s.Rejected, redisbreaker.Kind, s.Name, "rejected")
			for _, st := range sharedStates {
				on := 0.0
				if st == s.State {
					on = 1
				}
				send(sharedState, prom.GaugeValue, on, s.Name, st.String())
			}
			send(sharedGeneration, prom.GaugeValue, float64(s.Generation), s.Name)
			fallback := 0.0
			if s.Fallback {
				fallback = 1
			}
			send(sharedFallback, prom.GaugeValue, fallback, s.Name)
			send(sharedFlushes, prom.CounterValue, float64(s.Flushes), s.Name, "success")
			send(sharedFlushes, prom.CounterValue, float64(s.FlushErrors), s.Name, "error")
			send(sharedTrials, prom.CounterValue, float64(s.Trials), s.Name)
		}
	}
}
