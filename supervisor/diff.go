package supervisor

import (
	"fmt"
	"reflect"
	"strings"
)

// ConflictError says that a child exists under a Kind and Name with another
// configuration than the one asked for.
type ConflictError struct {
	// Kind and Name identify the existing child.
	Kind, Name string
	// Differences lists what differs, one entry a field:
	// "FailureThreshold: have 5, asked 3".
	Differences []string
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("supervisor: %s %q exists with a different configuration: %s",
		e.Kind, e.Name, strings.Join(e.Differences, "; "))
}

// differences lists how asked differs from have; nil when they are the same.
func differences(have, asked any) []string {
	if sameAny(have, asked) {
		return nil
	}
	hv, av := reflect.ValueOf(have), reflect.ValueOf(asked)
	if !hv.IsValid() || !av.IsValid() || hv.Type() != av.Type() {
		if equalValues(hv, av) {
			return nil
		}
		return []string{fmt.Sprintf("config: have %T, asked %T", have, asked)}
	}
	var out []string
	diffValue("", hv, av, &out)
	return out
}

func diffValue(path string, a, b reflect.Value, out *[]string) {
	if a.Kind() == reflect.Struct {
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			name := f.Name
			if path != "" {
				name = path + "." + name
			}
			diffValue(name, a.Field(i), b.Field(i), out)
		}
		return
	}
	if equalValues(a, b) {
		return
	}
	if path == "" {
		path = "config"
	}
	*out = append(*out, fmt.Sprintf("%s: have %s, asked %s", path, show(a), show(b)))
}

// equalValues compares two values as == would, field by field: a
// pointer, channel or unsafe.Pointer by identity (two distinct pointers
// are different however alike what they point to), an interface by its
// dynamic type and value, a float by value (a NaN is never equal). What
// == cannot compare: functions by code pointer, slices and maps by their
// contents.
func equalValues(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Func:
		return a.Pointer() == b.Pointer()
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Slice, reflect.Map:
		if !a.CanInterface() {
			return fmt.Sprint(a) == fmt.Sprint(b)
		}
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return a.Equal(b)
}

// show formats a field's value for a ConflictError. A pointer, channel
// or unsafe.Pointer (also in an interface) shows as its type and address,
// never what it points to: that may be the running child's, written by
// its goroutine as the error is built.
func show(v reflect.Value) string {
	switch {
	case !v.IsValid():
		return "nil"
	case v.Kind() == reflect.Interface:
		if v.IsNil() {
			return "nil"
		}
		return show(v.Elem())
	case v.Kind() == reflect.Pointer || v.Kind() == reflect.Chan || v.Kind() == reflect.UnsafePointer:
		if v.IsNil() {
			return "nil"
		}
		return fmt.Sprintf("(%s)(%#x)", v.Type(), v.Pointer())
	case v.Kind() == reflect.Func:
		if v.IsNil() {
			return "nil func"
		}
		return "a func"
	case v.CanInterface():
		return fmt.Sprintf("%v", v.Interface())
	}
	return fmt.Sprint(v)
}
