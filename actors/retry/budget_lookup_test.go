package retry_test

import (
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
)

// NewBudget of a name that exists with the same config is a look-up: it
// finds the budget in the registry's index and allocates nothing, as New
// of every other named pattern does.
func TestNewBudgetOfAnExistingNameAllocatesNothing(t *testing.T) {
	eng, _ := newEngine(t)
	for _, cfg := range []retry.BudgetConfig{{}, {RetryRate: 0.25, MinPerSecond: 3, Window: 5 * time.Second}} {
		first, err := retry.NewBudget(eng, "lookup", cfg)
		if err != nil {
			t.Fatal(err)
		}
		var again *retry.Budget
		allocs := testing.AllocsPerRun(100, func() {
			again, err = retry.NewBudget(eng, "lookup", cfg)
		})
		if err != nil || again != first {
			t.Fatalf("NewBudget of an existing name with %+v = %p, %v; want %p, nil", cfg, again, err, first)
		}
		if allocs != 0 {
			t.Errorf("NewBudget of an existing name with %+v: %.0f allocations, want 0", cfg, allocs)
		}
		eng2, _ := newEngine(t) // the next config under a fresh name space
		eng = eng2
	}
}
