package spawn_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/internal/spawn"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type cfg struct{ Size int }

func defaults(c cfg) (cfg, error) {
	if c.Size < 0 {
		return c, messages.InvalidConfig("k", "Size", c.Size, "must be at least 0")
	}
	if c.Size == 0 {
		c.Size = 3
	}
	return c, nil
}

type inst struct{ size int }

func TestNewChecksThenStartsOnce(t *testing.T) {
	starts := 0
	start := func(_ *engine.Engine, _ string, full *cfg) (*inst, kernel.Service, error) {
		starts++
		return &inst{full.Size}, kernel.NewActor(0, func() kernel.Behavior[struct{}, struct{}] { return nil }), nil
	}
	if _, err := spawn.New(nil, "k", "a", cfg{}, defaults, start); !errors.Is(err, messages.ErrInvalidConfig) || starts != 0 {
		t.Fatalf("a nil engine: got %v after %d starts, want ErrInvalidConfig and none", err, starts)
	}
	e, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if _, err := spawn.New(e, "k", "a", cfg{Size: -1}, defaults, start); !errors.Is(err, messages.ErrInvalidConfig) || starts != 0 {
		t.Fatalf("a config out of bounds: got %v after %d starts, want ErrInvalidConfig and none", err, starts)
	}
	a, err := spawn.New(e, "k", "a", cfg{}, defaults, start)
	if err != nil || a.size != 3 {
		t.Fatalf("New: got %+v, %v, want size 3 (the default)", a, err)
	}
	if b, err := spawn.New(e, "k", "a", cfg{Size: 3}, defaults, start); err != nil || b != a || starts != 1 {
		t.Fatalf("New again with the same config after defaults: got %p, %v after %d starts, want %p and 1 start", b, err, starts, a)
	}
}

// A New of a name that exists with the same config after defaults is a
// read of the registry's index: no allocation, start not called.
func TestNewOfAnExistingNameAllocatesNothing(t *testing.T) {
	e, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	start := func(_ *engine.Engine, _ string, full *cfg) (*inst, kernel.Service, error) {
		return &inst{full.Size}, kernel.NewActor(0, func() kernel.Behavior[struct{}, struct{}] { return nil }), nil
	}
	a, err := spawn.New(e, "k", "a", cfg{}, defaults, start)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if b, err := spawn.New(e, "k", "a", cfg{}, defaults, start); err != nil || b != a {
			t.Fatalf("got %p, %v, want %p", b, err, a)
		}
	})
	if allocs != 0 {
		t.Fatalf("New of an existing name: %v allocations, want 0", allocs)
	}
}
