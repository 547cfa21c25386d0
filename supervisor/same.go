package supervisor

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Find returns the handle of the child of kind and name if it has started
// and its config is the same as *cfg, as GetOrCreate would return it.
// It reads the index and compares the two configs field by field in
// place: no message, no allocation, and cfg is not retained. It reports
// false when there is no such child, when Shutdown has begun, and when it
// cannot tell the configs equal cheaply (a slice compares by its header
// here, not by its contents; an interface holding a pointer, as a pointer
// field, by identity, as GetOrCreate compares it too): GetOrCreate gives
// the full answer then.
func Find[C any](s *Supervisor, kind, name string, cfg *C) (any, bool) {
	if s.closing.Load() {
		return nil, false
	}
	k := key{kind, name}
	e := s.ix.get(k, hash(k))
	if e == nil || !e.started() {
		return nil, false
	}
	cur := e.currentConfig()
	have, ok := cur.(C)
	if !ok && cur == nil {
		ok = reflect.TypeFor[C]().Kind() == reflect.Interface // have is the nil C
	}
	if !ok || !same(reflect.TypeFor[C](), unsafe.Pointer(&have), unsafe.Pointer(cfg)) {
		return nil, false
	}
	return e.handle, true
}

// sameAny reports whether a and b are the same config by the cheap
// comparison of Find; false may also mean "cannot tell".
func sameAny(a, b any) bool {
	return same(reflect.TypeFor[any](), unsafe.Pointer(&a), unsafe.Pointer(&b))
}

// same reports whether the values of type t at a and b are equal as
// differences compares them (functions by code pointer, the rest with
// ==), where it can tell without allocating; false also when it cannot.
func same(t reflect.Type, a, b unsafe.Pointer) bool {
	if t.Kind() == reflect.Interface {
		return sameInterface(t, a, b)
	}
	p := planFor(t)
	if p == nil {
		return false
	}
	if p.whole && unsafe.String((*byte)(a), p.size) == unsafe.String((*byte)(b), p.size) {
		return !p.holdsNaN(a) // the same bytes: the same values, but for a NaN
	}
	for i := range p.fields {
		f := &p.fields[i]
		if !f.equal(unsafe.Add(a, f.off), unsafe.Add(b, f.off)) {
			return false
		}
	}
	return true
}

// sameInterface reports whether the values of interface type t at a and
// b are the same: both nil, or holding the same dynamic type and the same
// value — the very same pointer (map, channel, function) for a
// pointer-shaped one, and for one held by copy (a struct, a number, a
// string) a copy equal field by field as same compares it (a NaN in it is
// never equal, as in a field of its own). False also when it cannot tell
// (a pointer-shaped value that is not the very same).
func sameInterface(t reflect.Type, a, b unsafe.Pointer) bool {
	ea, eb := (*[2]unsafe.Pointer)(a), (*[2]unsafe.Pointer)(b)
	if ea[0] != eb[0] {
		return false // different dynamic types, or one nil
	}
	if ea[0] == nil {
		return true // both nil
	}
	var dt reflect.Type
	if t.NumMethod() == 0 {
		dt = reflect.TypeOf(*(*any)(a))
	} else {
		// As reflect's Value.Elem: the conversion to any reads the
		// dynamic type from the method table, whatever the methods are.
		dt = reflect.TypeOf(any(*(*interface{ M() })(a)))
	}
	if !indirect(dt) {
		return ea[1] == eb[1] // a pointer-shaped value: the very same
	}
	return same(dt, ea[1], eb[1]) // a copy: also when it is the same one (a NaN)
}

// indirect reports whether an interface holding a t points to a copy of
// it (rather than holding it in its data word).
func indirect(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return false
	case reflect.Struct, reflect.Array:
		// A struct or array of one pointer-shaped element is held in the
		// word too: one a word long counts as "cannot tell".
		return t.Size() != unsafe.Sizeof(uintptr(0))
	}
	return true
}

// plan is how same compares the values of one type: its scalar fields at
// their offsets, nested structs and arrays flattened. When whole (no
// interface field) two values with the same bytes are the same unless a
// float in them is a NaN (floats lists those fields): a string, slice,
// pointer or function with the same bytes is the very same one; values
// whose bytes differ (a float's -0 and +0, strings equal in other
// memory, padding) are compared field by field.
type plan struct {
	fields []field
	size   uintptr
	whole  bool
	floats []field
}

// holdsNaN reports whether a float field of the value at a is a NaN.
func (p *plan) holdsNaN(a unsafe.Pointer) bool {
	for i := range p.floats {
		f := &p.floats[i]
		if !f.equal(unsafe.Add(a, f.off), unsafe.Add(a, f.off)) {
			return true
		}
	}
	return false
}

type field struct {
	off   uintptr
	kind  reflect.Kind
	size  uintptr
	iface reflect.Type // an interface field's type
}

// largestPlan bounds the fields a plan flattens (a long array is
// compared by differences instead).
const largestPlan = 256

// plans caches the plan of each type same has compared (nil: a type it
// cannot compare); the set of config types is small and fixed.
var plans sync.Map // reflect.Type → *typePlan

// recentPlans is a direct-mapped cache in front of plans, a slot per type
// by its address: a look-up in it is one atomic load. Two types that
// share a slot take turns in it, each a look-up in plans, without
// allocating.
var recentPlans [64]atomic.Pointer[typePlan]

type typePlan struct {
	t reflect.Type
	p *plan
}

func planFor(t reflect.Type) *plan {
	slot := &recentPlans[reflect.ValueOf(t).Pointer()>>4%uintptr(len(recentPlans))]
	if r := slot.Load(); r != nil && r.t == t {
		return r.p
	}
	got, ok := plans.Load(t)
	if !ok {
		p := &plan{size: t.Size(), whole: true}
		if !p.add(t, 0) || len(p.fields) > largestPlan {
			p = nil
		} else {
			for _, f := range p.fields {
				switch f.kind {
				case reflect.Interface:
					p.whole = false
				case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
					p.floats = append(p.floats, f)
				}
			}
		}
		got, _ = plans.LoadOrStore(t, &typePlan{t, p})
	}
	r := got.(*typePlan)
	slot.Store(r)
	return r.p
}

// add appends the fields of a t at off, and reports whether same can
// compare them all.
func (p *plan) add(t reflect.Type, off uintptr) bool {
	if len(p.fields) > largestPlan {
		return false
	}
	switch k := t.Kind(); k {
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !p.add(f.Type, off+f.Offset) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := range t.Len() {
			if !p.add(t.Elem(), off+uintptr(i)*t.Elem().Size()) {
				return false
			}
		}
		return true
	case reflect.Interface:
		p.fields = append(p.fields, field{off: off, kind: k, size: t.Size(), iface: t})
		return true
	default:
		p.fields = append(p.fields, field{off: off, kind: k, size: t.Size()})
		return true
	}
}

// equal compares the field at a and b: floats and strings by value,
// functions by code pointer, slices by their header, interfaces as
// sameInterface, every other kind by its bytes (a pointer, map or channel
// by identity).
func (f *field) equal(a, b unsafe.Pointer) bool {
	switch f.kind {
	case reflect.Interface:
		return sameInterface(f.iface, a, b)
	case reflect.Float32:
		return *(*float32)(a) == *(*float32)(b)
	case reflect.Float64:
		return *(*float64)(a) == *(*float64)(b)
	case reflect.Complex64:
		return *(*complex64)(a) == *(*complex64)(b)
	case reflect.Complex128:
		return *(*complex128)(a) == *(*complex128)(b)
	case reflect.String:
		return *(*string)(a) == *(*string)(b)
	case reflect.Func:
		fa, fb := *(*unsafe.Pointer)(a), *(*unsafe.Pointer)(b)
		if fa == nil || fb == nil {
			return fa == fb
		}
		return *(*uintptr)(fa) == *(*uintptr)(fb) // the code pointer
	}
	switch f.size {
	case 1:
		return *(*uint8)(a) == *(*uint8)(b)
	case 2:
		return *(*uint16)(a) == *(*uint16)(b)
	case 4:
		return *(*uint32)(a) == *(*uint32)(b)
	case 8:
		return *(*uint64)(a) == *(*uint64)(b)
	}
	return unsafe.String((*byte)(a), f.size) == unsafe.String((*byte)(b), f.size)
}
