package circuitbreaker

import (
	"testing"
	"unsafe"
)

// An idle breaker's goroutine waits in its actor's loop, whose frame holds
// one request: a request of more than three words grows that goroutine's
// stack from 2 KB to 4 KB for as long as the breaker lives (issue 16).
func TestRequestFitsTheIdleFrame(t *testing.T) {
	if n := unsafe.Sizeof(request{}); n > 3*unsafe.Sizeof(uintptr(0)) {
		t.Fatalf("a request is %d bytes, want at most three words", n)
	}
}
