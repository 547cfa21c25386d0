// Package redisbreaker is a circuit breaker shared through Redis by every
// process that uses the same name: the backend failing for all of them
// opens the circuit in all, and the half-open trials are counted across
// them. It is built over actors/circuitbreaker through its public API.
//
// # How it decides
//
//   - CLOSED: each process's own circuitbreaker.Breaker decides every call,
//     exactly as in process; no call touches Redis. The outcomes are counted
//     in the process and sent in batches, one Lua script a flush, every
//     Config.FlushInterval or Config.FlushOutcomes outcomes. The script adds
//     them to a shared window (Breaker.WindowDuration in WindowBuckets
//     buckets, on the server's clock) and opens the shared circuit on
//     Breaker.FailureThreshold failures with no success between them (a
//     batch with a success restarts the run at the failures that followed
//     its last success) or on Breaker.OpenAtFailureRate or
//     Breaker.OpenAtSlowCallRate (calls at or above SlowCallDuration, as
//     each process timed them) over MinimumCalls.
//   - A change of state is written once, by the script that decides it,
//     with a new generation, and published on the breaker's channel
//     ("<state> <generation> <reason>"). Each process subscribes to the
//     channel and reads the shared state when a message comes (about one
//     round trip), and every flush reads it back too, so a process follows
//     a change within one FlushInterval plus one round trip even when a
//     message is lost.
//   - OPEN: calls are refused from the last state seen (an error matching
//     circuitbreaker.ErrOpen with the time left), without Redis.
//   - HALF_OPEN (after Breaker.RecoveryTimeout on the server's clock): a
//     call asks Redis for a trial lease; at most Breaker.HalfOpenMaxCalls
//     are held across every process. A trial's Release reports to Redis at
//     once: a failure opens the circuit again, and so do slow successes
//     reaching OpenAtSlowCallRate of the successes; SuccessThreshold
//     successes close it. A lease not reported within Breaker.HalfOpenLease (its
//     holder died or hung) is reclaimed by the next script and counts as a
//     failure.
//
// # When Redis is slow or gone
//
// Every Redis call is bounded by Config.Timeout, so no call waits on Redis
// longer. A flush or a trial that fails puts the process in fallback: its
// local breaker decides alone (Stats.Fallback, one EventBackendError per
// outage), and the outcomes it counts meanwhile stay local. A flush is sent
// at most once: one that got no answer in time is not sent again (Redis may
// or may not have counted it), so no outcome is counted twice. The next flush
// that succeeds re-joins the shared state. When the shared circuit closes
// again, each process resets its local breaker.
//
// # Keys, goroutines, concurrency
//
// The keys are Prefix + ":{" + name + "}:" + state, window, leases and
// events (a name with braces is hex-encoded): one Cluster slot. A Breaker
// is safe for concurrent use and is an engine.Guard. It runs two
// goroutines owned by the engine's supervisor, the flusher and the
// follower (FollowerKind, whose go-redis subscription runs its own); they
// and the local breaker stop at Engine.Shutdown, after which calls return
// messages.ErrStopped.
package redisbreaker
