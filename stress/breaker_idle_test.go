package stress

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
)

// TestBreakerIdleBytes prints what an idle circuit breaker and an idle
// adaptive limiter cost — heap and stack in use after a collection, per
// instance, over 10,000 New of fresh names (1,000 under -short or -race) —
// with the default config and with a large window and many trial slots,
// which cost nothing until the first call needs them: both figures stay
// within idleSizeCeiling.
func TestBreakerIdleBytes(t *testing.T) {
	n := 10000
	if testing.Short() || raceOn {
		n = 1000
	}
	big := circuitbreaker.Config{OpenAtFailureRate: 0.5, WindowSize: circuitbreaker.LargestWindowSize,
		HalfOpenMaxCalls: circuitbreaker.LargestHalfOpenMaxCalls}
	kinds := []struct {
		name   string
		newOne func(*engine.Engine, string) (any, error)
	}{
		{"circuitbreaker", func(e *engine.Engine, name string) (any, error) {
			return circuitbreaker.New(e, name, circuitbreaker.Config{})
		}},
		{"circuitbreaker, large window", func(e *engine.Engine, name string) (any, error) { return circuitbreaker.New(e, name, big) }},
		{"adaptive", func(e *engine.Engine, name string) (any, error) { return adaptive.New(e, name, adaptive.Config{}) }},
	}
	for _, k := range kinds {
		eng, err := engine.New()
		if err != nil {
			t.Fatal(err)
		}
		keep := make([]any, n)
		g0, b0 := runtime.NumGoroutine(), inUse()
		for i := range keep {
			if keep[i], err = k.newOne(eng, fmt.Sprintf("idle-%06d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if d := runtime.NumGoroutine() - g0; d > n/100 { // an actor's goroutine starts at its first message
			t.Errorf("%s: %d goroutines for %d instances never called", k.name, d, n)
		}
		per := float64(inUse()-b0) / float64(n)
		runtime.KeepAlive(keep)
		t.Logf("%-30s %8.0f bytes per idle instance", k.name, per)
		if per > idleSizeCeiling {
			t.Errorf("%s: an idle instance costs %.0f bytes, want at most %d", k.name, per, idleSizeCeiling)
		}
		ctx, cancel := context.WithTimeout(context.Background(), enginetest.ShutdownTimeout)
		if err := eng.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		cancel()
	}
}

// idleSizeCeiling bounds an idle breaker or adaptive limiter, goroutine
// stack, mailbox and registry entry included (most of it the engine's).
const idleSizeCeiling = 12 << 10
