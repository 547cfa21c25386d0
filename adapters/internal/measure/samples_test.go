package measure

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
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

// A timeout's call outcomes add up to its calls: its Failed includes the
// timed-out calls, so the failure outcome is the other failures.
func TestTimeoutOutcomesAddUpToCalls(t *testing.T) {
	st := timeout.Stats{Name: "t", Calls: 10, Succeeded: 4, Failed: 6, TimedOut: 2}
	got := map[string]float64{}
	Stats(func(m *Metric, v float64, labels ...string) {
		if m == Calls {
			got[labels[2]] = v
		}
	}, inventory.Instance{Kind: timeout.Kind, Name: "t", Stats: st})
	want := map[string]float64{"success": 4, "timed_out": 2, "failure": 4}
	if !maps.Equal(got, want) {
		t.Fatalf("got outcomes %v, want %v (adding up to %d calls)", got, want, st.Calls)
	}
}
