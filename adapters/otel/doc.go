// Package otel exports the Stats of every Bulwark pattern instance as
// OpenTelemetry metrics (go.opentelemetry.io/otel/metric). New creates
// asynchronous instruments on a Meter of the MeterProvider it is given and
// registers one callback that reads every instance's Stats when the SDK
// collects: nothing is added to the call path, and one deadline
// (Options.Timeout, or the collection's context's if sooner) bounds each
// collection. Importing Bulwark's core does not import otel.
//
//	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
//	m, err := otel.New(eng, provider, otel.Options{})
//	...
//	defer m.Close()
//
// It reads the same instances, through adapters/dashboard/inventory, and
// reports the same figures as adapters/prometheus; each Prometheus metric
// has an instrument here, named by OpenTelemetry's conventions (dotted
// names, no _total suffix, the unit as the instrument's unit, attributes
// in the bulwark namespace). The instruments, of scope ScopeName:
//
//	bulwark.calls                      counter {call}       pattern, name, outcome: calls by how they ended
//	bulwark.rejections                 counter {call}       pattern, name, reason: refusals by reason (bulkhead, backpressure, loadshed, coalesce)
//	bulwark.circuit.state              gauge 1              name, state: 1 for the breaker's state (closed, open, half_open), else 0
//	bulwark.circuit.mode               gauge 1              name, mode: 1 for the breaker's mode (normal, forced_open, disabled), else 0
//	bulwark.circuit.slow_calls         counter {call}       name: calls at or above SlowCallDuration
//	bulwark.in_flight                  updowncounter {call} pattern, name: calls holding a permit (keys in flight for coalesce)
//	bulwark.in_flight.limit            gauge {call}         pattern, name: the most that may
//	bulwark.queue.length               updowncounter {call} pattern, name: callers waiting
//	bulwark.queue.capacity             gauge {call}         pattern, name: the most that may wait
//	bulwark.load_level                 gauge 1              name, level: 1 for the shedder's level, else 0
//	bulwark.backpressure.active        gauge 1              name: 1 while backpressure is on
//	bulwark.rate_limit.rejections      counter {request}    name, reason: requests the limiter refused
//	bulwark.rate_limit.active_keys     updowncounter {key}  name: keys holding state (a count, never the keys)
//	bulwark.adaptive.limit             gauge {call}         name: the adaptive concurrency limit
//	bulwark.retry.retries              counter {attempt}    name: attempts after the first, of calls that returned
//	bulwark.retry.delay                counter s            name: time spent waiting between attempts
//	bulwark.retry_budget.retries       counter {attempt}    name, outcome: retries a budget accepted or rejected
//	bulwark.timeout.call_time          counter s            pattern, name: time the calls of a timeout or deadline took
//	bulwark.hedge.hedges               counter {attempt}    name, outcome: hedges started, won, rejected by the budget
//	bulwark.instance.restarts          counter {restart}    pattern, name: restarts by the supervisor
//	bulwark.instance.up                gauge 1              pattern, name: 1 while the instance runs, 0 once it failed or stopped
//	bulwark.events.dropped             counter {event}      subscriber: events a registered subscriber missed
//	bulwark.shared_circuit.state       gauge 1              name, state: 1 for a redisbreaker's shared state as this process saw it, else 0
//	bulwark.shared_circuit.generation  gauge 1              name: the shared circuit's generation as this process saw it
//	bulwark.shared_circuit.fallback    gauge 1              name: 1 while Redis is unreachable and the local breaker decides alone
//	bulwark.shared_circuit.flushes     counter {flush}      name, outcome: flushes of outcomes to Redis, success or error
//	bulwark.shared_circuit.trials      counter {lease}      name: half-open trial leases this process was granted
//	bulwark.rate_limit.backend_errors  counter {request}    name: Redis limiter decisions that could not reach Redis
//	bulwark.rate_limit.failed_open     counter {request}    name: requests the Redis limiter admitted without Redis (FailOpen)
//	bulwark.rate_limit.returned_permits counter {permit}    name: permits taken ahead (LocalBatch) given back unused
//	bulwark.collector.stats_errors     gauge {instance}     instances whose Stats this collection could not read
//	bulwark.collector.instances_skipped gauge 1             1 when Options.MaxInstances cut this collection short
//
// Every attribute key is "bulwark." followed by the label named above
// (bulwark.pattern, bulwark.name, bulwark.outcome, ...). bulwark.pattern
// is the instance's kind (circuitbreaker, bulkhead, ...), bulwark.name its
// name. No rate-limit key or error text is ever an attribute, so the
// number of series grows with the number of instances only. The outcomes
// of bulwark.calls, by pattern, are those of bulwark_calls_total (see
// adapters/prometheus).
//
// The instances shared through Redis are reported once added with Add: a
// *redis.Limiter as pattern ratelimit-redis (bulwark.calls accepted,
// rejected, cancelled; its refusals by reason in bulwark.rejections; the
// bulwark.rate_limit.* counters above besides rejections); a
// *redisbreaker.Breaker as pattern redisbreaker (bulwark.calls rejected:
// calls the shared state refused; the bulwark.shared_circuit.* instruments
// above), its local breaker being a circuitbreaker instance of the same
// name, reported as such. A shared instance whose Stats cannot be read
// sends nothing in that collection and is counted in
// bulwark.collector.stats_errors.
//
// Instances whose Stats do not answer by the deadline send only
// bulwark.instance.up and bulwark.instance.restarts in that collection and
// are counted in bulwark.collector.stats_errors. Unsupervised instances
// (retry, timeout, fallback, hedge, coalesce, cache) are reported once
// added with Add or through a shared Options.Instances.
package otel
