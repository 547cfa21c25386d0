package closedloop

import "testing"

// Benchmark runs b.N calls of newOp's operation spread over goroutines
// callers (a closed loop: each caller starts its next call when the last
// returns) and reports, besides ns/op, the throughput (ops/s) and the
// latency of one call as p50-ns, p99-ns and p999-ns. Starting the
// goroutines is not timed.
func Benchmark(b *testing.B, goroutines int, newOp func(worker int) func()) Result {
	b.Helper()
	b.ReportAllocs()
	res := RunHooks(Config{Goroutines: goroutines, Total: b.N},
		Hooks{Ready: b.ResetTimer, Done: b.StopTimer}, newOp)
	Report(b, &res)
	return res
}

// Report adds res's throughput and latency quantiles to b's metrics.
func Report(b *testing.B, res *Result) {
	b.ReportMetric(res.OpsPerSec(), "ops/s")
	b.ReportMetric(float64(res.Latency.Quantile(0.50)), "p50-ns")
	b.ReportMetric(float64(res.Latency.Quantile(0.99)), "p99-ns")
	b.ReportMetric(float64(res.Latency.Quantile(0.999)), "p999-ns")
}
