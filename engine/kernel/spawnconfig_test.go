package kernel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/supervisor"
)

type wideConfig struct {
	Size  int
	Label string
	Rate  float64
}

type narrowConfig struct{ Size int }

type configured[C any] struct{ cfg *C }

// SpawnConfig hands start the config the registry holds: a struct larger
// than a pointer is held once (start's pointer is the registry's copy),
// any other config is copied for start; either way the registry compares
// a later config against it, and start runs for a new name only.
func TestSpawnConfigSharesTheRegistrysCopy(t *testing.T) {
	eng := newEngine(t)
	ctx := context.Background()
	actor := func() kernel.Service {
		return kernel.NewActor(0, func() kernel.Behavior[int, int] { return newEcho() })
	}
	wide := wideConfig{Size: 3, Label: "a", Rate: 0.5}
	starts := 0
	w, err := kernel.SpawnConfig(ctx, eng, "test", "wide", wide, func(cfg *wideConfig) (*configured[wideConfig], kernel.Service, error) {
		starts++
		return &configured[wideConfig]{cfg}, actor(), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if *w.cfg != wide {
		t.Fatalf("start got %+v, want %+v", *w.cfg, wide)
	}
	c, ok := eng.Supervisor().Lookup("test", "wide")
	if !ok {
		t.Fatal("Lookup: not found")
	}
	if got := c.Config.(wideConfig); got != wide {
		t.Fatalf("the registry holds %+v, want %+v", got, wide)
	}
	if kernel.ConfigPointer[wideConfig](&c.Config) != w.cfg {
		t.Fatal("start's config is a copy of its own, want the registry's")
	}
	again, err := kernel.SpawnConfig(ctx, eng, "test", "wide", wide, func(*wideConfig) (*configured[wideConfig], kernel.Service, error) {
		starts++
		return nil, nil, errors.New("started twice")
	})
	if err != nil || again != w || starts != 1 {
		t.Fatalf("the same name and config again: %p, %v after %d starts, want %p, nil after 1", again, err, starts, w)
	}
	other := wide
	other.Label = "b"
	_, err = kernel.SpawnConfig(ctx, eng, "test", "wide", other, func(*wideConfig) (*configured[wideConfig], kernel.Service, error) {
		return nil, nil, errors.New("started for a conflict")
	})
	if ce := (*supervisor.ConflictError)(nil); !errors.As(err, &ce) {
		t.Fatalf("another config: %v, want a *supervisor.ConflictError", err)
	}
	if *w.cfg != wide {
		t.Fatalf("after a conflict the instance's config is %+v, want %+v", *w.cfg, wide)
	}

	n, err := kernel.SpawnConfig(ctx, eng, "test", "narrow", narrowConfig{7}, func(cfg *narrowConfig) (*configured[narrowConfig], kernel.Service, error) {
		return &configured[narrowConfig]{cfg}, actor(), nil
	})
	if err != nil || n.cfg.Size != 7 {
		t.Fatalf("a config the size of a pointer: %v, %v, want Size 7", n, err)
	}
	if c, _ := eng.Supervisor().Lookup("test", "narrow"); c.Config.(narrowConfig).Size != 7 {
		t.Fatalf("the registry holds %+v, want Size 7", c.Config)
	}
}
