// Package conf is what every pattern's Config does the same way: zero
// fields take the defaults (Fill), and each field is checked against its
// bounds (Check), the first one outside them reported as a
// *messages.ConfigError that names the pattern, the field, the value and
// the rule, in one wording for every pattern.
package conf

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Fill returns c with every zero field (== 0, nil, empty) set to the same
// field of *defaults, which it only reads (a package variable, so that
// Fill allocates nothing for it).
// C is a struct type; a struct field counts as zero only when all of it
// is, so a field whose default depends on another (or a partly set
// embedded struct) is the caller's to fill, before or after Fill.
func Fill[C any](c C, defaults *C) C {
	v, d := reflect.ValueOf(&c).Elem(), reflect.ValueOf(defaults).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.CanSet() && zero(f) {
			f.Set(d.Field(i))
		}
	}
	return c
}

// zero reports whether f == 0 would: IsZero, or a negative zero.
func zero(f reflect.Value) bool {
	if k := f.Kind(); k == reflect.Float32 || k == reflect.Float64 {
		return f.Float() == 0
	}
	return f.IsZero()
}

// Rule is one field's check: passed, or the field, its value and what it
// must be. Make one with In or If.
type Rule struct {
	field  string
	value  any
	lo, hi any    // In's bounds, or nil
	rule   string // If's rule
	ok     bool
}

// In checks that lo <= v <= hi. Its rule reads "must be in [lo, hi]", or
// "(0, hi]" for a duration whose lo is 1ns.
func In[T cmp.Ordered](field string, v, lo, hi T) Rule {
	if lo <= v && v <= hi {
		return Rule{ok: true}
	}
	return Rule{field: field, value: v, lo: lo, hi: hi}
}

// If checks what the caller computed (ok); rule says what v must be.
func If(field string, v any, ok bool, rule string) Rule {
	if ok {
		return Rule{ok: true}
	}
	return Rule{field: field, value: v, rule: rule}
}

// Check returns nil when every rule passed, and otherwise a
// *messages.ConfigError of pattern kind for the first rule that did not.
func Check(kind string, rules ...Rule) error {
	for _, r := range rules {
		if !r.ok {
			return messages.InvalidConfig(kind, r.field, r.value, r.text())
		}
	}
	return nil
}

// text is what r's value must be.
func (r Rule) text() string {
	if r.lo == nil {
		return r.rule
	}
	if r.lo == any(time.Duration(1)) {
		return "must be in (0, " + show(r.hi) + "]"
	}
	return "must be in [" + show(r.lo) + ", " + show(r.hi) + "]"
}

// show writes a bound: a duration without its zero minutes and seconds
// (720h, not 720h0m0s).
func show(v any) string {
	d, ok := v.(time.Duration)
	if !ok {
		return fmt.Sprint(v)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
		s = strings.TrimSuffix(s, "h0m")
		if !strings.HasSuffix(s, "m") {
			s += "h"
		}
	}
	return s
}
