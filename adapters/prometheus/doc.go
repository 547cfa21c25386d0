// Package prometheus exports the Stats of every Bulwark pattern instance as
// Prometheus metrics. A Collector reads them at scrape time, from every
// instance the engine's supervisor lists and from the stateless instances
// (retry, timeout, deadline, fallback, hedge, coalesce, cache) added to it;
// nothing is added to the call path, and importing Bulwark's core does not
// import client_golang. adapters/otel reports the same figures as
// OpenTelemetry instruments.
//
//	c, err := prometheus.New(eng, prometheus.Options{})
//	...
//	reg := prom.NewRegistry()
//	reg.MustRegister(c)
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// The metrics, all with the labels pattern and name unless said otherwise
// (name is the instance's name; no rate-limit key or error text is ever a
// label, so cardinality is the number of instances):
//
//	bulwark_calls_total{pattern,name,outcome}       counter: calls by how they ended
//	bulwark_rejections_total{pattern,name,reason}   counter: refusals by reason (bulkhead, backpressure, loadshed, coalesce)
//	bulwark_circuit_state{name,state}               gauge: 1 for the breaker's state (closed, open, half_open), else 0
//	bulwark_circuit_mode{name,mode}                 gauge: 1 for the breaker's mode (normal, forced_open, disabled), else 0
//	bulwark_circuit_slow_calls_total{name}          counter: calls at or above SlowCallDuration
//	bulwark_in_flight{pattern,name}                 gauge: calls holding a permit
//	bulwark_in_flight_limit{pattern,name}           gauge: the most that may (bulkhead, backpressure, loadshed, adaptive)
//	bulwark_queue_length{pattern,name}              gauge: callers waiting
//	bulwark_queue_capacity{pattern,name}            gauge: the most that may wait (bulkhead, loadshed)
//	bulwark_load_level{name,level}                  gauge: 1 for the shedder's level, else 0
//	bulwark_backpressure_active{name}               gauge: 1 while backpressure is on
//	bulwark_rate_limit_rejections_total{name,reason} counter: requests the limiter refused, by ratelimit.Reason…
//	bulwark_rate_limit_active_keys{name}            gauge: keys holding state (a count, never the keys)
//	bulwark_adaptive_limit{name}                    gauge: the adaptive concurrency limit
//	bulwark_retries_total{name}                     counter: attempts after the first, of calls that returned
//	bulwark_retry_delay_seconds_total{name}         counter: time spent waiting between attempts
//	bulwark_retry_budget_retries_total{name,outcome} counter: retries a budget accepted or rejected
//	bulwark_timeout_call_seconds_total{pattern,name} counter: time the calls of a timeout or deadline took
//	bulwark_hedges_total{name,outcome}              counter: hedges started, won, rejected by the budget
//	bulwark_instance_restarts_total{pattern,name}   counter: restarts by the supervisor
//	bulwark_instance_up{pattern,name}               gauge: 1 while the instance runs, 0 once it failed or stopped
//	bulwark_events_dropped_total{subscriber}        counter: events a registered subscriber missed
//	bulwark_shared_circuit_state{name,state}        gauge: 1 for a redisbreaker's shared state as this process saw it, else 0
//	bulwark_shared_circuit_generation{name}         gauge: the shared circuit's generation as this process saw it
//	bulwark_shared_circuit_fallback{name}           gauge: 1 while Redis is unreachable and the local breaker decides alone
//	bulwark_shared_circuit_flushes_total{name,outcome} counter: flushes of outcomes to Redis, success or error
//	bulwark_shared_circuit_trials_total{name}       counter: half-open trial leases this process was granted
//	bulwark_rate_limit_backend_errors_total{name}   counter: Redis limiter decisions that could not reach Redis
//	bulwark_rate_limit_failed_open_total{name}      counter: requests the Redis limiter admitted without Redis (FailOpen)
//	bulwark_rate_limit_returned_permits_total{name} counter: permits taken ahead (LocalBatch) given back unused
//	bulwark_collector_stats_errors                  gauge: instances whose Stats this scrape could not read
//	bulwark_collector_instances_skipped             gauge: 1 when Options.MaxInstances cut this scrape short
//
// The outcomes of bulwark_calls_total by pattern: circuitbreaker success,
// failure, rejected, ignored; bulkhead and backpressure accepted, rejected,
// cancelled; loadshed shed; ratelimit accepted, rejected, cancelled;
// adaptive success, failure, rejected; retry success, exhausted,
// not_retried; timeout and deadline success, timed_out, failure (the
// failures other than timeouts, so that the outcomes add up to the calls);
// fallback success, fell_back, failure, passed; hedge success, failure;
// coalesce leader, follower, reused, rejected, gone (and bulwark_in_flight
// counts its keys in flight); cache hit, stale_hit, negative_hit, miss,
// bypassed.
//
// The instances shared through Redis are reported once added with
// Collector.Add: a *redis.Limiter as pattern ratelimit-redis
// (bulwark_calls_total accepted, rejected, cancelled; its refusals by
// reason in bulwark_rejections_total, so that a local limiter of the same
// name never collides with it; the bulwark_rate_limit_*_total counters
// above); a *redisbreaker.Breaker as pattern redisbreaker
// (bulwark_calls_total rejected: calls the shared state refused; the
// bulwark_shared_circuit_* metrics above), its local breaker being a
// circuitbreaker instance of the same name, reported as such.
//
// A scrape asks each stateful instance for its Stats with a deadline of
// Options.Timeout for the whole scrape; instances that do not answer in
// time are left out of it and counted in bulwark_collector_stats_errors.
package prometheus
