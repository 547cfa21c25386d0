package supervisor

import (
	"testing"
	"unsafe"
)

// An entry, one per child, fits the runtime's 144-byte size class: what
// few children need (a cancel function of their own, restart times) is
// apart, in extra (a million children: 16 MB less than at 152 bytes,
// which take 160).
func TestEntryFitsItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(entry{}); n > 144 {
		t.Fatalf("an entry is %d bytes, want at most 144", n)
	}
}
