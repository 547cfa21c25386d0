package supervisor_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/bulwark-go/bulwark/supervisor"
)

func isTemporary(error) bool { return false }
func isPermanent(error) bool { return true }

// rich is a config with a field of every kind Find compares in place.
type rich struct {
	N      int
	F      float64
	S      string
	B      bool
	Fn     func(error) bool
	Inner  struct{ A, B uint16 }
	Arr    [2]int8
	P      *int
	Labels []string
}

// TestFindComparesInPlace: Find returns the child whose config equals
// the one asked for — functions by code pointer, pointers and slices by
// identity — and nothing (GetOrCreate decides then) when a field differs,
// a float is NaN, the name or kind is another, or Shutdown has begun; and
// it allocates nothing.
func TestFindComparesInPlace(t *testing.T) {
	s := newSupervisor(t)
	p := new(int)
	labels := []string{"a"}
	base := rich{N: 1, F: 0.5, S: "x", B: true, Fn: isTemporary, P: p, Labels: labels}
	base.Inner.B, base.Arr[1] = 7, 3
	create := func(name string, cfg any) {
		t.Helper()
		if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: name, Config: cfg,
			Start: func() (any, supervisor.Service, error) { return name, idle{}, nil }}); err != nil {
			t.Fatal(err)
		}
	}
	create("rich", base)
	create("nil", nil)
	if h, ok := supervisor.Find(s, "k", "rich", &base); !ok || h != "rich" {
		t.Fatalf("Find with the same config: %v, %v", h, ok)
	}
	var asAny any = base
	if h, ok := supervisor.Find(s, "k", "rich", &asAny); !ok || h != "rich" {
		t.Fatalf("Find with the same config as an any: %v, %v", h, ok)
	}
	var none any
	if h, ok := supervisor.Find(s, "k", "nil", &none); !ok || h != "nil" {
		t.Fatalf("Find with a nil config: %v, %v", h, ok)
	}
	if n := testing.AllocsPerRun(100, func() { supervisor.Find(s, "k", "rich", &base) }); n != 0 {
		t.Errorf("Find: %v allocations, want 0", n)
	}
	for _, c := range []struct {
		what   string
		change func(*rich)
	}{
		{"an int", func(r *rich) { r.N = 2 }},
		{"a float", func(r *rich) { r.F = 0.25 }},
		{"a string", func(r *rich) { r.S = "y" }},
		{"a bool", func(r *rich) { r.B = false }},
		{"a func", func(r *rich) { r.Fn = isPermanent }},
		{"a nil func", func(r *rich) { r.Fn = nil }},
		{"a nested field", func(r *rich) { r.Inner.B = 8 }},
		{"an array element", func(r *rich) { r.Arr[1] = 4 }},
		{"a pointer", func(r *rich) { r.P = new(int) }},
		{"a slice", func(r *rich) { r.Labels = []string{"a"} }},
	} {
		asked := base
		c.change(&asked)
		if _, ok := supervisor.Find(s, "k", "rich", &asked); ok {
			t.Errorf("Find with %s changed: found", c.what)
		}
	}
	nan := base
	nan.F = math.NaN()
	create("nan", nan)
	if _, ok := supervisor.Find(s, "k", "nan", &nan); ok {
		t.Error("Find with a NaN field: found (GetOrCreate calls it a conflict)")
	}
	other := config{Threshold: 1}
	if _, ok := supervisor.Find(s, "k", "rich", &other); ok {
		t.Error("Find with a config of another type: found")
	}
	if _, ok := supervisor.Find(s, "other", "rich", &base); ok {
		t.Error("Find of another kind: found")
	}
	if _, ok := supervisor.Find(s, "k", "missing", &base); ok {
		t.Error("Find of a missing name: found")
	}
	// What Find cannot tell equal, GetOrCreate still can.
	asked := base
	asked.Labels = []string{"a"}
	if h, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "rich", Config: asked,
		Start: func() (any, supervisor.Service, error) { return nil, nil, errors.New("started again") }}); err != nil || h != "rich" {
		t.Errorf("GetOrCreate with an equal copy of the slice: %v, %v", h, err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, ok := supervisor.Find(s, "k", "rich", &base); ok {
		t.Error("Find after Shutdown: found")
	}
}
