package conf

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

type cfg struct {
	D      time.Duration
	F      float64
	N      int
	Fn     func() int
	hidden int
}

// A zero field (negative zero included) takes the default; a set one, and
// an unexported one, stay.
func TestFill(t *testing.T) {
	def := cfg{D: time.Second, F: 0.5, N: 7, Fn: func() int { return 1 }, hidden: 9}
	got := Fill(cfg{F: math.Copysign(0, -1), N: 3}, &def)
	if got.D != time.Second || got.F != 0.5 || got.N != 3 || got.Fn == nil || got.Fn() != 1 || got.hidden != 0 {
		t.Fatalf("Fill: got %+v", got)
	}
	if got := Fill(cfg{F: math.NaN()}, &def); !math.IsNaN(got.F) {
		t.Fatalf("Fill replaced a NaN: got %v", got.F)
	}
}

// Check reports the first rule that failed, naming the field and the value.
func TestCheck(t *testing.T) {
	if err := Check("k", In("a", 1, 0, 2), If("b", "x", true, "never")); err != nil {
		t.Fatalf("passing rules: got %v", err)
	}
	for _, c := range []struct {
		rules []Rule
		field string
		value any
		rule  string
	}{
		{[]Rule{In("a", 3, 0, 2), In("b", -1, 0, 2)}, "a", 3, "must be in [0, 2]"},
		{[]Rule{In("a", 1, 0, 2), In("b", 0, time.Duration(1), 720*time.Hour)}, "b", time.Duration(0), "must be in (0, 720h]"},
		{[]Rule{In("c", 2*time.Hour, 0, 90*time.Minute)}, "c", 2 * time.Hour, "must be in [0s, 1h30m]"},
		{[]Rule{In("f", math.NaN(), 0, 1)}, "f", nil, "must be in [0, 1]"},
		{[]Rule{If("g", "set", false, "needs h")}, "g", "set", "needs h"},
	} {
		var ce *messages.ConfigError
		err := Check("k", c.rules...)
		if !errors.As(err, &ce) || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Fatalf("%v: got %v, want a *messages.ConfigError", c.rules, err)
		}
		if ce.Pattern != "k" || ce.Field != c.field || (c.value != nil && ce.Value != c.value) || ce.Rule != c.rule {
			t.Errorf("got %+v, want field %s, value %v, rule %q", *ce, c.field, c.value, c.rule)
		}
	}
}

type inner struct {
	A int
	B float64
}

// wide has a field of every kind Fill handles in place.
type wide struct {
	S     string
	L     []int
	I     any
	M     map[string]int
	P     *int
	In    inner
	Arr   [2]uint16
	C     complex128
	B     bool
	U8    uint8
	F32   float32
	Fn    func() int
	inner int
}

// TestFillInPlace: each kind of field takes its default only when it is
// zero — a nested struct or an array only when all of it is — and Fill
// does it without allocating; it agrees with Fill through reflect.
func TestFillInPlace(t *testing.T) {
	one := 1
	def := wide{S: "s", L: []int{1}, I: 2.5, M: map[string]int{"a": 1}, P: &one, In: inner{A: 3, B: 0.25},
		Arr: [2]uint16{4, 5}, C: 1i, B: true, U8: 6, F32: 0.5, Fn: func() int { return 7 }, inner: 8}
	got := Fill(wide{}, &def)
	if got.S != "s" || len(got.L) != 1 || got.I != 2.5 || got.M["a"] != 1 || got.P != &one || got.In != def.In ||
		got.Arr != def.Arr || got.C != 1i || !got.B || got.U8 != 6 || got.F32 != 0.5 || got.Fn() != 7 || got.inner != 0 {
		t.Fatalf("Fill of the zero wide: got %+v", got)
	}
	two := 2
	set := wide{S: "t", L: []int{}, I: 0, M: map[string]int{}, P: &two, In: inner{B: 0.5}, Arr: [2]uint16{0, 1},
		C: 2, B: true, U8: 1, F32: -1, Fn: func() int { return 9 }}
	got = Fill(set, &def)
	if got.S != "t" || got.L == nil || len(got.L) != 0 || got.I != 0 || len(got.M) != 0 || got.P != &two ||
		got.In != set.In || got.Arr != set.Arr || got.C != 2 || got.U8 != 1 || got.F32 != -1 || got.Fn() != 9 {
		t.Fatalf("Fill of a wide with every field set: got %+v", got)
	}
	if n := testing.AllocsPerRun(100, func() { Fill(set, &def) }); n != 0 {
		t.Errorf("Fill: %v allocations, want 0", n)
	}
	for _, c := range []wide{{}, set, {S: "x", In: inner{A: 1}}, {L: []int{1}, C: 1, F32: float32(math.Copysign(0, -1))}} {
		if a, b := Fill(c, &def), fillReflect(c, &def); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("Fill(%+v): %+v in place, %+v through reflect", c, a, b)
		}
	}
}

// largeArray has more scalars than a plan flattens: Fill goes through
// reflect for it, with the same result.
type largeArray struct {
	N   int
	Big [largestFill + 1]byte
}

func TestFillOfALargeArray(t *testing.T) {
	def := largeArray{N: 1}
	def.Big[0] = 2
	if got := Fill(largeArray{}, &def); got != def {
		t.Fatalf("Fill: got N %d, Big[0] %d, want 1 and 2", got.N, got.Big[0])
	}
	if fillPlanFor(reflect.TypeFor[largeArray]()) != nil {
		t.Fatal("a plan for more scalars than largestFill")
	}
}

// A passing rule allocates nothing, whatever its value's type.
func TestPassingRulesAllocateNothing(t *testing.T) {
	f, d := 0.5, time.Second
	if n := testing.AllocsPerRun(100, func() {
		if Check("k", In("a", f, 0, 1), If("b", f, f > 0, "must be above 0"), In("c", d, 0, time.Hour), If("d", d, true, "")) != nil {
			t.Fatal("a passing rule failed")
		}
	}); n != 0 {
		t.Errorf("Check of passing rules: %v allocations, want 0", n)
	}
}
