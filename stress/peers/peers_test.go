package peers

import (
	"testing"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/eapache/go-resiliency/breaker"
	"github.com/failsafe-go/failsafe-go"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"github.com/bulwark-go/bulwark/engine"
)

// The imports pin every peer in go.mod; each pattern's benchmarks live in
// their own file of this package.
var (
	_ = hystrix.Do
	_ = breaker.New
	_ = failsafe.With[any]
	_ = gobreaker.NewCircuitBreaker[any]
	_ = rate.NewLimiter
	_ = engine.New
)

func TestPeersBuild(t *testing.T) {}
