package supervisor

import (
	"reflect"
	"testing"
)

// Two config types that share a slot of recentPlans take turns in it
// without allocating: a plan is made once per type.
func TestPlansOfTypesSharingASlotAllocateNothing(t *testing.T) {
	slot := func(t reflect.Type) uintptr {
		return reflect.ValueOf(t).Pointer() >> 4 % uintptr(len(recentPlans))
	}
	bySlot := map[uintptr]reflect.Type{}
	var a, b reflect.Type
	for n := 1; a == nil && n < 10000; n++ {
		ty := reflect.StructOf([]reflect.StructField{{Name: "N", Type: reflect.ArrayOf(n, reflect.TypeFor[int8]())}})
		if other, ok := bySlot[slot(ty)]; ok {
			a, b = other, ty
		}
		bySlot[slot(ty)] = ty
	}
	if a == nil {
		t.Fatal("no two types share a slot")
	}
	if planFor(a) == nil || planFor(b) == nil {
		t.Fatal("no plan for a struct of an array of int8")
	}
	if n := testing.AllocsPerRun(100, func() { planFor(a); planFor(b) }); n != 0 {
		t.Fatalf("planFor of two types sharing a slot, in turn: %v allocations, want 0", n)
	}
}
