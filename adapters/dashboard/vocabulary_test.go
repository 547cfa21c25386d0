package dashboard_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/coalesce"
	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/actors/hedge"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/dashboard"
)

// snakeCase turns a Go field name into its JSON name: InFlight → in_flight,
// BaselineRTT → baseline_rtt.
func snakeCase(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]) ||
			(i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// statsKeys returns the JSON names a view of stats type t must have: the
// snake_case of every field, durations with a _ms suffix; Name (the
// instance's), error values and LastFailure (never shown) are left out.
func statsKeys(t reflect.Type) []string {
	var keys []string
	for f := range t.Fields() {
		switch {
		case f.Name == "Name" || f.Name == "LastFailure" || f.Type == reflect.TypeFor[error]():
		case f.Type == reflect.TypeFor[time.Duration]():
			keys = append(keys, snakeCase(f.Name)+"_ms")
		default:
			keys = append(keys, snakeCase(f.Name))
		}
	}
	slices.Sort(keys)
	return keys
}

// viewKeys returns the JSON object keys of view, its optional ones too.
func viewKeys(t *testing.T, view any) []string {
	t.Helper()
	b, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for k := range m {
		keys = append(keys, k)
	}
	if _, ok := view.(dashboard.BreakerView); ok {
		keys = append(keys, "last_state_change") // omitted while zero
	}
	slices.Sort(keys)
	return keys
}

// Every view's JSON names are the snake_case of its kind's Stats field
// names, so the same thing has the same name in every kind and a renamed
// Stats field cannot leave an old name behind in /status.
func TestViewsFollowStatsFieldNames(t *testing.T) {
	for _, tc := range []struct {
		stats reflect.Type
		view  any
	}{
		{reflect.TypeFor[circuitbreaker.Stats](), dashboard.BreakerView{}},
		{reflect.TypeFor[bulkhead.Stats](), dashboard.BulkheadView{}},
		{reflect.TypeFor[backpressure.Stats](), dashboard.BackpressureView{}},
		{reflect.TypeFor[loadshed.Stats](), dashboard.LoadShedView{}},
		{reflect.TypeFor[ratelimit.Stats](), dashboard.RateLimitView{}},
		{reflect.TypeFor[adaptive.Stats](), dashboard.AdaptiveView{}},
		{reflect.TypeFor[retry.BudgetStats](), dashboard.BudgetView{}},
		{reflect.TypeFor[retry.Stats](), dashboard.RetryView{}},
		{reflect.TypeFor[timeout.Stats](), dashboard.TimeoutView{}},
		{reflect.TypeFor[fallback.Stats](), dashboard.FallbackView{}},
		{reflect.TypeFor[hedge.Stats](), dashboard.HedgeView{}},
		{reflect.TypeFor[coalesce.Stats](), dashboard.CoalesceView{}},
		{reflect.TypeFor[cache.Stats](), dashboard.CacheView{}},
	} {
		want, got := statsKeys(tc.stats), viewKeys(t, tc.view)
		if !slices.Equal(got, want) {
			t.Errorf("%T JSON names:\n got %v\nwant %v (the snake_case of %v's fields)", tc.view, got, want, tc.stats)
		}
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{"InFlight": "in_flight", "BaselineRTT": "baseline_rtt",
		"WindowSlowCallRate": "window_slow_call_rate", "RejectedBy": "rejected_by", "Won": "won"} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
