package peers

import (
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
)

// Backpressure: no peer library has it; Bulwark alone, with room for every
// caller so that each decision is an admission.
func init() {
	clCases = append(clCases, clCase{"backpressure", "bulwark", func(b *testing.B) {
		m, err := backpressure.New(clEngine(b), "cl", backpressure.Config{MaxPending: 1 << 16})
		if err != nil {
			b.Fatal(err)
		}
		clRun(b, clGuard(m))
	}})
}
