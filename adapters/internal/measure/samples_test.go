package measure

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/adapters/dashboard/inventory"
)

// A retry budget's samples are its accepted and rejected retries, one
// outcome each.
func TestBudgetSamples(t *testing.T) {
	var got []string
	emit := func(m *Metric, v float64, labels ...string) {
		got = append(got, m.Prom+"{"+strings.Join(labels, ",")+"}="+strconv.FormatFloat(v, 'g', -1, 64))
	}
	Stats(emit, inventory.Instance{Kind: retry.BudgetKind, Name: "b",
		Stats: retry.BudgetStats{Name: "b", Calls: 9, Retries: 2, Limit: 3, Accepted: 5, Rejected: 7}})
	want := []string{
		"bulwark_retry_budget_retries_total{b,accepted}=5",
		"bulwark_retry_budget_retries_total{b,rejected}=7",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
