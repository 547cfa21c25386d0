// Package peers benchmarks Bulwark side by side with peer libraries
// (sony/gobreaker, failsafe-go, golang.org/x/time/rate, afex/hystrix-go,
// eapache/go-resiliency) on the same no-op workloads. It is a nested module
// so that no peer ever enters Bulwark's own go.mod. It holds no library code.
//
// Three kinds of benchmarks live here:
//
//   - per call, serial and RunParallel, one file per pattern:
//     Benchmark<Pattern><Impl>/{serial,parallel} or
//     Benchmark<Pattern>/<impl>/{serial,parallel};
//   - closed loop (closedloop_test.go): 10,000 goroutines (1,000 under
//     -short) calling one shared instance, BenchmarkClosedLoop/<pattern>/<impl>,
//     reporting ops/s and p50-ns, p99-ns, p999-ns of one call besides ns/op;
//   - past one process (redisbreaker_procs_test.go): BenchmarkRedisBreaker4Proc,
//     four OS processes sharing one breaker through Redis, Bulwark's
//     adapters/redisbreaker beside gobreaker's DistributedCircuitBreaker.
//
// TestMain runs goleak.VerifyTestMain, ignoring only hystrix-go's
// per-command monitors, which live as long as the process.
//
// compare.sh runs them all at -cpu 1,2 with -benchmem, pairs Bulwark with
// each peer by name, and prints benchstat tables, a table of Bulwark/peer
// ratios, the closed-loop figures and one line per comparison for scripts:
//
//	ratio <pattern> vs <peer> cpu=<n> <x.xx>
package peers
