package peers

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test or benchmark leaves a goroutine behind,
// except the two that afex/hystrix-go starts for each command it first
// sees (BenchmarkCircuitBreakerHystrix): its metricExchange and poolMetrics
// monitors read their update channels for the life of the process, and
// hystrix-go has no call that stops them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/afex/hystrix-go/hystrix.(*metricExchange).Monitor"),
		goleak.IgnoreTopFunction("github.com/afex/hystrix-go/hystrix.(*poolMetrics).Monitor"))
}
