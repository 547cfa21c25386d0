// Package peers benchmarks Bulwark side by side with peer libraries
// (sony/gobreaker, failsafe-go, golang.org/x/time/rate, afex/hystrix-go,
// eapache/go-resiliency) on the same no-op workloads. It is a nested module
// so that no peer ever enters Bulwark's own go.mod. It holds no library code.
package peers
