package peers

import (
	"context"
	"testing"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/eapache/go-resiliency/breaker"
	"github.com/failsafe-go/failsafe-go"
	fscb "github.com/failsafe-go/failsafe-go/circuitbreaker"
	fsrl "github.com/failsafe-go/failsafe-go/ratelimiter"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// Closed-loop benchmarks: 10,000 goroutines (1,000 under -short) each call
// one shared instance in a loop, b.N calls in all; every call's latency
// goes into its goroutine's histogram. Besides ns/op they report ops/s and
// p50-ns, p99-ns and p999-ns of one call. Names are
// BenchmarkClosedLoop/<pattern>/<implementation>; compare.sh pairs them.
//
//	cd stress/peers && go test -run '^$' -bench ClosedLoop -benchtime=200ms -cpu 1,2 -benchmem

func clCallers() int {
	if testing.Short() {
		return 1000
	}
	return 10000
}

// clEngine starts an engine that b shuts down when it ends.
func clEngine(b *testing.B) *engine.Engine {
	b.Helper()
	eng, err := engine.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = eng.Shutdown(ctx)
	})
	return eng
}

// clRun benchmarks call from clCallers() goroutines; a call that fails
// fails the benchmark (every workload here admits every call).
func clRun(b *testing.B, call func() error) {
	closedloop.Benchmark(b, clCallers(), func(int) func() {
		return func() {
			if err := call(); err != nil {
				b.Error(err)
			}
		}
	})
}

// clGuard is one Acquire and Release of a Guard around nothing.
func clGuard(g engine.Guard) func() error {
	ctx := context.Background()
	return func() error {
		p, err := g.Acquire(ctx)
		if err != nil {
			return err
		}
		g.Release(p, messages.Success)
		return nil
	}
}

func clNoop(context.Context) error { return nil }

// clCounter is the plain actor of the baseline.
type clCounter struct{ n int }

func (c *clCounter) Receive(m int) (int, error) { c.n += m; return c.n, nil }

// clCase is one closed-loop benchmark: BenchmarkClosedLoop/<pattern>/<impl>.
type clCase struct {
	pattern, impl string
	run           func(b *testing.B)
}

var clCtx = context.Background()

// clCases are the closed-loop benchmarks, in the order they run; the files
// of patterns that landed later add theirs in an init function.
var clCases = []clCase{
	{"actor", "plain", func(b *testing.B) {
		a, err := kernel.Spawn(clCtx, clEngine(b), "peers", "plain", nil, func() (*kernel.Actor[int, int], kernel.Service, error) {
			a := kernel.NewActor(0, func() kernel.Behavior[int, int] { return &clCounter{} })
			return a, a, nil
		})
		if err != nil {
			b.Fatal(err)
		}
		clRun(b, func() error { _, err := a.Ask(clCtx, 1); return err })
	}},

	// Circuit breaker: Execute of a no-op in CLOSED.
	{"circuitbreaker", "bulwark", func(b *testing.B) {
		br, err := circuitbreaker.New(clEngine(b), "cl", circuitbreaker.Config{})
		if err != nil {
			b.Fatal(err)
		}
		clRun(b, func() error { return br.Execute(clCtx, clNoop) })
	}},
	{"circuitbreaker", "gobreaker", func(b *testing.B) {
		cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "cl"})
		fn := func() (struct{}, error) { return struct{}{}, nil }
		clRun(b, func() error { _, err := cb.Execute(fn); return err })
	}},
	{"circuitbreaker", "failsafe", func(b *testing.B) {
		ex := failsafe.With[any](fscb.NewWithDefaults[any]())
		clRun(b, func() error { return ex.Run(peerNoop) })
	}},
	{"circuitbreaker", "goresiliency", func(b *testing.B) {
		br := breaker.New(5, 2, time.Minute)
		clRun(b, func() error { return br.Run(peerNoop) })
	}},
	{"circuitbreaker", "hystrix", func(b *testing.B) {
		name := peerHystrix("peers-closed-loop")
		clRun(b, func() error { return hystrix.Do(name, peerNoop, nil) })
	}},

	// Rate limiter: one hot key at a rate nobody reaches. The peers' one
	// limiter is one key bound once, so Bulwark's like-for-like is a
	// KeyGuard (as in BenchmarkRateLimitHotKey).
	{"ratelimit", "bulwark", func(b *testing.B) {
		l, err := ratelimit.New(clEngine(b), "cl", ratelimit.Config{})
		if err != nil {
			b.Fatal(err)
		}
		g, err := l.Guard("hot", ratelimit.Rate{Count: 1_000_000_000, Period: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		clRun(b, func() error {
			if res, err := g.Check(clCtx); err != nil || !res.Allowed {
				return errRefused
			}
			return nil
		})
	}},
	{"ratelimit", "xtimerate", func(b *testing.B) {
		l := rate.NewLimiter(rate.Limit(1e9), 1_000_000_000)
		clRun(b, func() error {
			if !l.Allow() {
				return errRefused
			}
			return nil
		})
	}},
	{"ratelimit", "failsafe", func(b *testing.B) {
		rl := fsrl.NewBursty[any](1_000_000_000, time.Second)
		clRun(b, func() error {
			if !rl.TryAcquirePermit() {
				return errRefused
			}
			return nil
		})
	}},

	// Load shedder: no peer sheds by priority; Bulwark alone.
	{"loadshed", "bulwark", func(b *testing.B) {
		s, err := loadshed.New(clEngine(b), "cl", loadshed.Config{MaxInFlight: 1 << 16})
		if err != nil {
			b.Fatal(err)
		}
		clRun(b, clGuard(s))
	}},

	// Adaptive limiter (AIMD, default limits 10..1000 from 100): a few
	// calls at most are in flight at once on 2 cores, so all are admitted.
	{"adaptive", "bulwark", func(b *testing.B) {
		l, err := adaptive.New(clEngine(b), "cl", adaptive.Config{})
		if err != nil {
			b.Fatal(err)
		}
		clRun(b, clGuard(l))
	}},
}

func BenchmarkClosedLoop(b *testing.B) {
	for _, c := range clCases {
		b.Run(c.pattern+"/"+c.impl, c.run)
	}
}
