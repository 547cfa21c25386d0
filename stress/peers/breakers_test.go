package peers

import (
	"errors"
	"testing"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/eapache/go-resiliency/breaker"
	"github.com/failsafe-go/failsafe-go"
	fscb "github.com/failsafe-go/failsafe-go/circuitbreaker"
	fsrl "github.com/failsafe-go/failsafe-go/ratelimiter"
)

// The peers the pattern files leave out, in their naming
// (Benchmark<Pattern><Peer>/{serial,parallel}), so that compare.sh pairs
// them with Bulwark's: failsafe-go's, hystrix-go's and go-resiliency's
// circuit breakers, and failsafe-go's rate limiter, each around the same
// no-op in the state that admits it.

// peerOnce runs once serially (b.Loop) and in parallel (RunParallel).
func peerOnce(b *testing.B, once func() error) {
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := once(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := once(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func peerNoop() error { return nil }

var errRefused = errors.New("peers: refused")

// peerHystrix configures the hystrix command name so that it never refuses
// a no-op: no timeout worth the name, no concurrency cap below 10,000
// callers.
func peerHystrix(name string) string {
	hystrix.ConfigureCommand(name, hystrix.CommandConfig{
		Timeout:               int(time.Minute / time.Millisecond),
		MaxConcurrentRequests: 1 << 20,
	})
	return name
}

func BenchmarkCircuitBreakerFailsafe(b *testing.B) {
	ex := failsafe.With[any](fscb.NewWithDefaults[any]())
	peerOnce(b, func() error { return ex.Run(peerNoop) })
}

func BenchmarkCircuitBreakerHystrix(b *testing.B) {
	name := peerHystrix("peers-bench")
	peerOnce(b, func() error { return hystrix.Do(name, peerNoop, nil) })
}

func BenchmarkCircuitBreakerGoResiliency(b *testing.B) {
	br := breaker.New(5, 2, time.Minute)
	peerOnce(b, func() error { return br.Run(peerNoop) })
}

// BenchmarkRateLimitHotKeyFailsafe is failsafe-go's bursty limiter at a rate
// no caller reaches (one permit per call, TryAcquirePermit), beside
// BenchmarkRateLimitHotKey's Bulwark and x/time/rate.
func BenchmarkRateLimitHotKeyFailsafe(b *testing.B) {
	rl := fsrl.NewBursty[any](1_000_000_000, time.Second)
	peerOnce(b, func() error {
		if !rl.TryAcquirePermit() {
			return errRefused
		}
		return nil
	})
}
