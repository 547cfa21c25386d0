package redisbreaker

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/supervisor"
)

// New of a name that exists, with the same client and config, returns the
// same breaker and allocates nothing; another config, of the shared
// breaker or of its local one, is a *supervisor.ConflictError.
func TestNewOfAnExistingNameAllocatesNothing(t *testing.T) {
	srv := redistest.Start(t, 0)
	eng := enginetest.Start(t)
	c := srv.Client(t, nil)
	for _, k := range []struct {
		name       string
		cfg, other Config
	}{
		{"default", Config{Prefix: t.Name()}, Config{Prefix: t.Name() + "-other"}},
		{"set", Config{Prefix: t.Name(), FlushInterval: time.Second, Breaker: circuitbreaker.Config{FailureThreshold: 3}},
			Config{Prefix: t.Name(), FlushInterval: time.Second, Breaker: circuitbreaker.Config{FailureThreshold: 4}}},
	} {
		first, err := New(eng, k.name, c, k.cfg)
		if err != nil {
			t.Fatalf("%s: %v", k.name, err)
		}
		var again *Breaker
		allocs := testing.AllocsPerRun(100, func() { again, err = New(eng, k.name, c, k.cfg) })
		if err != nil || again != first {
			t.Errorf("%s: New again: got %p, %v, want %p", k.name, again, err, first)
		}
		if allocs != 0 {
			t.Errorf("%s: New of an existing name: %v allocations, want 0", k.name, allocs)
		}
		if _, err := New(eng, k.name, c, k.other); !errors.As(err, new(*supervisor.ConflictError)) {
			t.Errorf("%s: New with another config: got %v, want a *supervisor.ConflictError", k.name, err)
		}
	}
}
