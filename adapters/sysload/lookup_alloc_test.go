package sysload_test

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/adapters/sysload"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/supervisor"
)

// New of a name that exists, with the same config (the default Reader, or
// the same Reader), returns the same sampler and allocates nothing; with
// another config it is a *supervisor.ConflictError.
func TestNewOfAnExistingNameAllocatesNothing(t *testing.T) {
	eng := enginetest.Start(t)
	r := &scripted{cpu: []float64{10}, memory: []float64{20}}
	for _, c := range []struct {
		name       string
		cfg, other sysload.Config
	}{
		{"default", sysload.Config{}, sysload.Config{Interval: time.Minute}},
		{"reader", sysload.Config{Interval: time.Minute, Reader: r, CPUThreshold: 80},
			sysload.Config{Interval: time.Minute, Reader: r, CPUThreshold: 85}},
	} {
		first, err := sysload.New(eng, c.name, c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var again *sysload.Sampler
		allocs := testing.AllocsPerRun(100, func() { again, err = sysload.New(eng, c.name, c.cfg) })
		if err != nil || again != first {
			t.Errorf("%s: New again: got %p, %v, want %p", c.name, again, err, first)
		}
		if allocs != 0 {
			t.Errorf("%s: New of an existing name: %v allocations, want 0", c.name, allocs)
		}
		if _, err := sysload.New(eng, c.name, c.other); !errors.As(err, new(*supervisor.ConflictError)) {
			t.Errorf("%s: New with another config: got %v, want a *supervisor.ConflictError", c.name, err)
		}
	}
}
