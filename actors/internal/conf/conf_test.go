package conf

import (
	"errors"
	"math"
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
