// Package stress holds Bulwark's race-detector stress and soak tests: every
// pattern hammered by thousands of goroutines while invariants (nothing
// over-admitted, every permit released once, nothing leaked) are checked
// continuously. Side-by-side benchmarks against peer libraries live in the
// nested module stress/peers. This package holds no library code.
//
// The tests run with the rest of the module (go test -race ./...): 10,000
// callers per instance, 1,000 under -short. Each file checks one subject:
//
//   - kernel_test.go: supervisor chaos (actors panicking at random are
//     restarted, every other call gets its own answer, the restart count
//     and events match the panics), the restart budget failing an actor
//     that panics in a loop, and shutdown with 1,000 calls in flight (all
//     return, a stuck actor is named, goleak clean);
//   - events_test.go: a fast subscriber sees exactly the events published,
//     type by type; a stuck subscriber drops and slows nobody;
//   - guard_test.go: the call mix (successes, failures, panics, slow calls,
//     cancelled contexts, callers giving up while they wait) against any
//     engine.Guard, with an atomic in-flight gauge checked at every
//     admission, grants = releases, and a capacity probe afterwards; used
//     by loadshed_test.go, adaptive_test.go, bulkhead_test.go and
//     backpressure_test.go;
//   - breaker_test.go: half-open trials per generation never above the
//     maximum, Total = Successful + Failed + Rejected exactly, one event per
//     decision, under a fake clock that keeps the circuit going round;
//   - ratelimit_test.go: allowed ≤ limit per key at every instant, over every
//     span (GCRA) and in every window (sliding window), under a fake clock
//     that moves only between calls so each allowance is attributed exactly;
//   - composed_test.go: fallback → retry → breaker → timeout → shedder.
//
// The load generator (internal/closedloop) records each call's latency in
// its goroutine's own histogram and reports ops/s and p50/p99/p999; the
// closed-loop benchmarks (BenchmarkClosedLoopActor here, BenchmarkClosedLoop
// in stress/peers) use it too.
//
// Soak: BULWARK_SOAK=<duration> go test -run TestSoak -v ./stress/ runs the
// mix (actors, breaker, rate limiter, load shedder, adaptive limiter,
// bulkhead, backpressure; BULWARK_SOAK_PARTS=a,b picks some) for that long
// in rounds of 10 s, the parts taking turns, and prints after each turn the
// part's throughput, p50/p99/p999 and invariant counts; a broken invariant
// fails the test. It is skipped when the variable is unset.
package stress
