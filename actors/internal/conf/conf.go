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
	"sync"
	"time"
	"unsafe"

	"github.com/bulwark-go/bulwark/messages"
)

// Fill returns c with every zero field (== 0, nil, empty) set to the same
// field of *defaults, which it only reads (a package variable, so that
// Fill allocates nothing for it). It allocates nothing for c either: it
// reads and writes c's fields in place, by a plan made once per type.
// C is a struct type; a struct or array field counts as zero only when all
// of it is (== its zero value, functions and slices nil), so a field whose
// default depends on another (or a partly set embedded struct) is the
// caller's to fill, before or after Fill. Unexported fields stay as they
// are.
func Fill[C any](c C, defaults *C) C {
	p := fillPlanFor(reflect.TypeFor[C]())
	if p == nil {
		return fillReflect(c, defaults)
	}
	at, from := unsafe.Pointer(&c), unsafe.Pointer(defaults)
	for i := range p.fields {
		f := &p.fields[i]
		if f.op == opWord && f.more == nil { // an int, a duration: the most common
			if w := (*uint64)(unsafe.Add(at, f.off)); *w == 0 {
				*w = *(*uint64)(unsafe.Add(from, f.off))
			}
			continue
		}
		if f.more == nil { // a scalar field
			if f.leaf.zero(at) {
				f.leaf.copy(at, from)
			}
			continue
		}
		if !f.leaf.zero(at) {
			continue
		}
		zero := true
		for j := range f.more {
			if zero = f.more[j].zero(at); !zero {
				break
			}
		}
		if zero {
			f.leaf.copy(at, from)
			for j := range f.more {
				f.more[j].copy(at, from)
			}
		}
	}
	return c
}

// fillReflect is Fill for a type with no plan (a field too large to
// flatten), through reflect; it allocates.
func fillReflect[C any](c C, defaults *C) C {
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

// fillPlan is how Fill goes over the exported fields of one struct type:
// each as the scalars it is made of (nested structs and arrays flattened,
// blank fields, which == does not compare, left out), at their offsets in
// the struct.
type fillPlan struct{ fields []fillField }

// fillField is a field's first scalar, and the others if it has more (a
// struct or an array).
type fillField struct {
	leaf
	more []leaf
}

// leaf is one scalar: where it is, its size, and how to test and copy it.
type leaf struct {
	off  uintptr
	size uintptr
	op   uint8
}

// The ops of a leaf.
const (
	opWord    = iota // 8 bytes and no pointer: one word
	opBytes          // another size and no pointer: byte by byte
	opFloat32        // == 0, a negative zero too
	opFloat64
	opString  // zero when empty
	opSlice   // zero when nil
	opIface   // zero when nil
	opPointer // a pointer, map, channel, function or unsafe.Pointer: zero when nil
)

// largestFill bounds the scalars a plan flattens (a longer array is
// filled through reflect).
const largestFill = 256

// fillPlans caches each type's plan (nil: filled through reflect).
var fillPlans sync.Map // reflect.Type → *fillPlan

func fillPlanFor(t reflect.Type) *fillPlan {
	if p, ok := fillPlans.Load(t); ok {
		return p.(*fillPlan)
	}
	p, n := &fillPlan{}, 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		leaves := flatten(nil, f.Type, f.Offset)
		if n += len(leaves); n > largestFill {
			p = nil
			break
		}
		if len(leaves) == 0 {
			continue // an empty struct or array
		}
		ff := fillField{leaf: leaves[0]}
		if len(leaves) > 1 {
			ff.more = leaves[1:]
		}
		p.fields = append(p.fields, ff)
	}
	fillPlans.Store(t, p)
	return p
}

// flatten appends the scalars of a t at off, stopping once there are more
// than largestFill.
func flatten(leaves []leaf, t reflect.Type, off uintptr) []leaf {
	switch k := t.Kind(); k {
	case reflect.Struct:
		for i := 0; i < t.NumField() && len(leaves) <= largestFill; i++ {
			if f := t.Field(i); f.Name != "_" {
				leaves = flatten(leaves, f.Type, off+f.Offset)
			}
		}
	case reflect.Array:
		for i := 0; i < t.Len() && len(leaves) <= largestFill; i++ {
			leaves = flatten(leaves, t.Elem(), off+uintptr(i)*t.Elem().Size())
		}
	default:
		l := leaf{off: off, size: t.Size(), op: opBytes}
		switch k {
		case reflect.Float32:
			l.op = opFloat32
		case reflect.Float64:
			l.op = opFloat64
		case reflect.String:
			l.op = opString
		case reflect.Slice:
			l.op = opSlice
		case reflect.Interface:
			l.op = opIface
		case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			l.op = opPointer
		default: // numbers but floats (a complex's negative zero is not zero, as IsZero says) and bools
			if l.size == 8 {
				l.op = opWord
			}
		}
		leaves = append(leaves, l)
	}
	return leaves
}

// zero reports whether the scalar l in the struct at c is zero.
func (l *leaf) zero(c unsafe.Pointer) bool {
	p := unsafe.Add(c, l.off)
	switch l.op {
	case opWord:
		return *(*uint64)(p) == 0
	case opFloat64:
		return *(*float64)(p) == 0
	case opFloat32:
		return *(*float32)(p) == 0
	case opString:
		return len(*(*string)(p)) == 0
	case opSlice, opIface, opPointer: // the data pointer; the type word; the pointer
		return *(*unsafe.Pointer)(p) == nil
	}
	for j := range l.size {
		if *(*byte)(unsafe.Add(p, j)) != 0 {
			return false
		}
	}
	return true
}

// copy sets the scalar l in the struct at c to l in the one at from,
// writing pointers as pointers so that the collector sees them.
func (l *leaf) copy(c, from unsafe.Pointer) {
	p, q := unsafe.Add(c, l.off), unsafe.Add(from, l.off)
	switch l.op {
	case opWord, opFloat64:
		*(*uint64)(p) = *(*uint64)(q)
	case opString:
		*(*string)(p) = *(*string)(q)
	case opSlice:
		*(*[]byte)(p) = *(*[]byte)(q)
	case opIface:
		*(*[2]unsafe.Pointer)(p) = *(*[2]unsafe.Pointer)(q)
	case opPointer:
		*(*unsafe.Pointer)(p) = *(*unsafe.Pointer)(q)
	default:
		copy(unsafe.Slice((*byte)(p), l.size), unsafe.Slice((*byte)(q), l.size))
	}
}

// Rule is one field's check: passed (the zero Rule), or the field, its
// value and what it must be. Make one with In or If. A passed Rule is one
// word, so that checking a config allocates and copies next to nothing.
type Rule struct{ failed *failure }

type failure struct {
	field  string
	value  any
	lo, hi any    // In's bounds, or nil
	rule   string // If's rule
}

// In checks that lo <= v <= hi. Its rule reads "must be in [lo, hi]", or
// "(0, hi]" for a duration whose lo is 1ns.
func In[T cmp.Ordered](field string, v, lo, hi T) Rule {
	if lo <= v && v <= hi {
		return Rule{}
	}
	return Rule{&failure{field: field, value: v, lo: lo, hi: hi}}
}

// If checks what the caller computed (ok); rule says what v must be. v
// is boxed only when ok is false, so that a passing If allocates nothing.
func If[T any](field string, v T, ok bool, rule string) Rule {
	if ok {
		return Rule{}
	}
	return Rule{&failure{field: field, value: v, rule: rule}}
}

// Check returns nil when every rule passed, and otherwise a
// *messages.ConfigError of pattern kind for the first rule that did not.
func Check(kind string, rules ...Rule) error {
	for _, r := range rules {
		if f := r.failed; f != nil {
			return messages.InvalidConfig(kind, f.field, f.value, f.text())
		}
	}
	return nil
}

// text is what f's value must be.
func (f *failure) text() string {
	if f.lo == nil {
		return f.rule
	}
	if f.lo == any(time.Duration(1)) {
		return "must be in (0, " + show(f.hi) + "]"
	}
	return "must be in [" + show(f.lo) + ", " + show(f.hi) + "]"
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
