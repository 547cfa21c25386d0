package supervisor_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"unsafe"

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

// createNamed creates the child of kind "k" called name with cfg, whose
// handle is its name.
func createNamed(t *testing.T, s *supervisor.Supervisor, name string, cfg any) {
	t.Helper()
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: name, Config: cfg,
		Start: func() (any, supervisor.Service, error) { return name, idle{}, nil }}); err != nil {
		t.Fatal(err)
	}
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
	create := func(name string, cfg any) { createNamed(t, s, name, cfg) }
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
	// Values equal with other bytes: found, as GetOrCreate finds them.
	negZero := base
	negZero.F = 0
	create("zero", negZero)
	negZero.F = math.Copysign(0, -1)
	if _, ok := supervisor.Find(s, "k", "zero", &negZero); !ok {
		t.Error("Find with -0 for a stored +0: not found")
	}
	otherMemory := base
	otherMemory.S = strings.Clone(base.S)
	if unsafe.StringData(otherMemory.S) == unsafe.StringData(base.S) {
		t.Fatal("strings.Clone kept the memory")
	}
	if h, ok := supervisor.Find(s, "k", "rich", &otherMemory); !ok || h != "rich" {
		t.Errorf("Find with an equal string in other memory: %v, %v", h, ok)
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

// leveler is an interface with methods, as a pattern's Signal is.
type leveler interface{ Level() int }

// gauge is a leveler held by pointer; fixed one held by copy (a struct
// of two words, so an interface holds a pointer to a copy of it).
type gauge struct{ n int }

func (g *gauge) Level() int { return g.n }

type fixed struct {
	N int
	F float64
}

func (f fixed) Level() int { return f.N }

// withInterfaces is a config with interface fields, with and without
// methods.
type withInterfaces struct {
	N   int
	Sig leveler
	Any any
}

// TestFindComparesInterfacesInPlace: an interface field is the same when
// both are nil, or hold the same dynamic type and the same value: the very
// same pointer for a pointer, a copy equal field by field for a value
// held by copy (a struct, a number, a string; a function in it by code
// pointer). Find finds those without allocating; a different dynamic type,
// a nil against a set one, another pointer (also to an alike value), a
// changed value and a NaN are not found, and GetOrCreate calls each of
// those a conflict.
func TestFindComparesInterfacesInPlace(t *testing.T) {
	s := newSupervisor(t)
	g := &gauge{n: 1}
	n, f := 2, 0.5 // not constants: each boxing below makes a copy
	base := withInterfaces{N: 1, Sig: g, Any: fixed{N: n, F: f}}
	byValue := withInterfaces{Sig: fixed{N: n, F: f}, Any: struct {
		S  string
		Fn func(error) bool
	}{"x", isTemporary}}
	nan := withInterfaces{Sig: fixed{F: math.NaN()}}
	create := func(name string, cfg withInterfaces) { createNamed(t, s, name, cfg) }
	create("base", base)
	create("nil", withInterfaces{})
	create("byValue", byValue)
	create("nan", nan)
	for _, c := range []struct {
		name  string
		asked withInterfaces
	}{
		{"base", withInterfaces{N: 1, Sig: g, Any: fixed{N: n, F: f}}},
		{"nil", withInterfaces{}},
		{"byValue", withInterfaces{Sig: fixed{N: n, F: f}, Any: struct {
			S  string
			Fn func(error) bool
		}{"x", isTemporary}}},
	} {
		if h, ok := supervisor.Find(s, "k", c.name, &c.asked); !ok || h != c.name {
			t.Errorf("Find %s with the same config: got %v, %v", c.name, h, ok)
		}
		if allocs := testing.AllocsPerRun(100, func() { supervisor.Find(s, "k", c.name, &c.asked) }); allocs != 0 {
			t.Errorf("Find %s: %v allocations, want 0", c.name, allocs)
		}
	}
	for _, c := range []struct {
		what, name string
		asked      withInterfaces
	}{
		{"another pointer", "base", withInterfaces{N: 1, Sig: &gauge{n: 2}, Any: fixed{N: n, F: f}}},
		{"another pointer to an alike value", "base", withInterfaces{N: 1, Sig: &gauge{n: 1}, Any: fixed{N: n, F: f}}},
		{"a nil Signal", "base", withInterfaces{N: 1, Any: fixed{N: n, F: f}}},
		{"a Signal set", "nil", withInterfaces{Sig: g}},
		{"another dynamic type", "byValue", withInterfaces{Sig: g, Any: byValue.Any}},
		{"another value held by copy", "byValue", withInterfaces{Sig: fixed{N: n + 1, F: f}, Any: byValue.Any}},
		{"another func in a value held by copy", "byValue", withInterfaces{Sig: byValue.Sig, Any: struct {
			S  string
			Fn func(error) bool
		}{"x", isPermanent}}},
		{"another number in an any", "base", withInterfaces{N: 1, Sig: g, Any: fixed{N: n, F: f + 1}}},
		{"a NaN", "nan", nan},
	} {
		if _, ok := supervisor.Find(s, "k", c.name, &c.asked); ok {
			t.Errorf("Find %s with %s: found", c.name, c.what)
		}
		_, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: c.name, Config: c.asked,
			Start: func() (any, supervisor.Service, error) { return nil, nil, errors.New("started again") }})
		if ce := new(supervisor.ConflictError); !errors.As(err, &ce) {
			t.Errorf("GetOrCreate %s with %s: got %v, want a *supervisor.ConflictError", c.name, c.what, err)
		}
	}
}

// TestConflictComparesPointersByIdentity: a pointer field is the same
// only when it is the very same pointer, as == says: another pointer to an
// equal value is a conflict that names the field (a slice, which == cannot
// compare, is compared by its contents: see TestFindComparesInPlace).
func TestConflictComparesPointersByIdentity(t *testing.T) {
	s := newSupervisor(t)
	p := new(int)
	spec := func(cfg rich) supervisor.Spec {
		return supervisor.Spec{Kind: "k", Name: "p", Config: cfg,
			Start: func() (any, supervisor.Service, error) { return "p", idle{}, nil }}
	}
	if _, err := s.GetOrCreate(context.Background(), spec(rich{P: p})); err != nil {
		t.Fatal(err)
	}
	if h, err := s.GetOrCreate(context.Background(), spec(rich{P: p})); err != nil || h != "p" {
		t.Fatalf("GetOrCreate with the same pointer: %v, %v", h, err)
	}
	_, err := s.GetOrCreate(context.Background(), spec(rich{P: new(int)}))
	var ce *supervisor.ConflictError
	if !errors.As(err, &ce) || len(ce.Differences) != 1 || !strings.HasPrefix(ce.Differences[0], "P: ") {
		t.Fatalf("GetOrCreate with another pointer to an equal value: got %v, want a conflict on P", err)
	}
}
