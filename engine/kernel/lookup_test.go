package kernel_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/engine/kernel"
)

func TestLookup(t *testing.T) {
	eng := newEngine(t)
	a := spawn(t, eng, "found", newEcho)
	if got, ok := kernel.Lookup[*kernel.Actor[int, int]](eng, "test", "found"); !ok || got != a {
		t.Fatalf("Lookup of a started actor: got %p, %v, want %p, true", got, ok, a)
	}
	if _, ok := kernel.Lookup[*kernel.Actor[string, int]](eng, "test", "found"); ok {
		t.Fatal("Lookup with another handle type: found, want not found")
	}
	if _, ok := kernel.Lookup[*kernel.Actor[int, int]](eng, "test", "missing"); ok {
		t.Fatal("Lookup of a missing name: found")
	}
	if n := testing.AllocsPerRun(100, func() { kernel.Lookup[*kernel.Actor[int, int]](eng, "test", "found") }); n != 0 {
		t.Fatalf("Lookup: %v allocations, want 0", n)
	}
}

func TestSpawnTypeMismatch(t *testing.T) {
	eng := newEngine(t)
	spawn(t, eng, "e", newEcho)
	_, err := kernel.Spawn[*kernel.Actor[string, string]](context.Background(), eng, "test", "e", nil, nil)
	if err == nil {
		t.Fatal("want an error for a handle of another type")
	}
}

// TestFind: Find returns what Spawn would for a name and config that
// exist, allocating nothing, and nothing for another config or handle
// type.
func TestFind(t *testing.T) {
	eng := newEngine(t)
	type cfg struct{ Size int }
	a, err := kernel.Spawn(context.Background(), eng, "test", "cfg", cfg{Size: 3}, func() (*kernel.Actor[int, int], kernel.Service, error) {
		a := kernel.NewActor(0, newEcho)
		return a, a, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	same, other := cfg{Size: 3}, cfg{Size: 4}
	if got, ok := kernel.Find[*kernel.Actor[int, int]](eng, "test", "cfg", &same); !ok || got != a {
		t.Fatalf("Find with the same config: got %p, %v, want %p, true", got, ok, a)
	}
	if _, ok := kernel.Find[*kernel.Actor[int, int]](eng, "test", "cfg", &other); ok {
		t.Fatal("Find with another config: found")
	}
	if _, ok := kernel.Find[*kernel.Actor[string, int]](eng, "test", "cfg", &same); ok {
		t.Fatal("Find with another handle type: found")
	}
	if n := testing.AllocsPerRun(100, func() { kernel.Find[*kernel.Actor[int, int]](eng, "test", "cfg", &same) }); n != 0 {
		t.Fatalf("Find: %v allocations, want 0", n)
	}
}
