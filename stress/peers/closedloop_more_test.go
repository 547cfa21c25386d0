package peers

import (
	"context"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/adaptivelimiter"
	fscb "github.com/failsafe-go/failsafe-go/circuitbreaker"
	fsretry "github.com/failsafe-go/failsafe-go/retrypolicy"
	fstimeout "github.com/failsafe-go/failsafe-go/timeout"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
)

// Closed-loop peers of the adaptive limiter and of a composition.
func init() {
	clCases = append(clCases,
		// failsafe-go's adaptive limiter at the same limits as Bulwark's
		// defaults (10..1000 from 100). Its limit does not grow under this
		// load, so some callers are refused: a refusal is a decision too.
		clCase{"adaptive", "failsafe", func(b *testing.B) {
			l := adaptivelimiter.NewBuilder[any]().WithLimits(10, 1000, 100).Build()
			clRun(b, func() error {
				if p, ok := l.TryAcquirePermit(); ok {
					p.Record()
				}
				return nil
			})
		}},
		// retry → circuit breaker → timeout around a no-op, both sides
		// with their defaults (Bulwark's timeout cooperative: no timer is
		// armed for a call that never asks its context for Done).
		clCase{"compose", "bulwark", func(b *testing.B) {
			eng := clEngine(b)
			r, err := retry.New(eng, "cl", retry.Config{})
			if err != nil {
				b.Fatal(err)
			}
			to, err := timeout.New(eng, "cl", timeout.Config{Timeout: time.Minute, Cooperative: true})
			if err != nil {
				b.Fatal(err)
			}
			br, err := circuitbreaker.New(eng, "cl", circuitbreaker.Config{})
			if err != nil {
				b.Fatal(err)
			}
			c := engine.Compose(engine.Policies[int]{Retry: retry.For[int](r), CircuitBreaker: br, Timeout: timeout.For[int](to)})
			fn := func(context.Context) (int, error) { return 1, nil }
			clRun(b, func() error { _, err := c.Get(clCtx, fn); return err })
		}},
		clCase{"compose", "failsafe", func(b *testing.B) {
			ex := failsafe.With[int](fsretry.NewWithDefaults[int](), fscb.NewWithDefaults[int](), fstimeout.New[int](time.Minute))
			fn := func() (int, error) { return 1, nil }
			clRun(b, func() error { _, err := ex.Get(fn); return err })
		}},
	)
}
