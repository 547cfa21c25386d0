package peers

import (
	"testing"

	fsbh "github.com/failsafe-go/failsafe-go/bulkhead"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
)

// Bulkhead: more slots than callers, so every decision is an admission.
func init() {
	clCases = append(clCases,
		clCase{"bulkhead", "bulwark", func(b *testing.B) {
			bh, err := bulkhead.New(clEngine(b), "cl", bulkhead.Config{MaxInFlight: 1 << 16})
			if err != nil {
				b.Fatal(err)
			}
			clRun(b, clGuard(bh))
		}},
		clCase{"bulkhead", "failsafe", func(b *testing.B) {
			bh := fsbh.New[any](1 << 16)
			clRun(b, func() error {
				if !bh.TryAcquirePermit() {
					return errRefused
				}
				bh.ReleasePermit()
				return nil
			})
		}},
	)
}
