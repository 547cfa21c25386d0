package engine_test

import (
	"testing"

	"github.com/bulwark-go/bulwark/engine"
)

func TestLookup(t *testing.T) {
	eng := newEngine(t)
	a := spawn(t, eng, "found", newEcho)
	if got, ok := engine.Lookup[*engine.Actor[int, int]](eng, "test", "found"); !ok || got != a {
		t.Fatalf("Lookup of a started actor: got %p, %v, want %p, true", got, ok, a)
	}
	if _, ok := engine.Lookup[*engine.Actor[string, int]](eng, "test", "found"); ok {
		t.Fatal("Lookup with another handle type: found, want not found")
	}
	if _, ok := engine.Lookup[*engine.Actor[int, int]](eng, "test", "missing"); ok {
		t.Fatal("Lookup of a missing name: found")
	}
	if n := testing.AllocsPerRun(100, func() { engine.Lookup[*engine.Actor[int, int]](eng, "test", "found") }); n != 0 {
		t.Fatalf("Lookup: %v allocations, want 0", n)
	}
}
