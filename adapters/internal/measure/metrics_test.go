package measure

import (
	"strings"
	"testing"
)

// Every metric has a name of its own in each system, by each system's
// conventions.
func TestNamesFollowConventions(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range append(append([]*Metric{}, All...), Shared...) {
		for _, n := range []string{m.Prom, m.OTel} {
			if seen[n] {
				t.Errorf("%s: used twice", n)
			}
			seen[n] = true
		}
		if got := strings.HasSuffix(m.Prom, "_total"); got != (m.Type == Counter) {
			t.Errorf("%s: ends in _total %v, want %v (a counter)", m.Prom, got, m.Type == Counter)
		}
		if !strings.HasPrefix(m.Prom, "bulwark_") || !strings.HasPrefix(m.OTel, "bulwark.") || strings.Contains(m.OTel, "total") {
			t.Errorf("%s / %s: want bulwark_… and bulwark.… without total", m.Prom, m.OTel)
		}
		if m.Float() != strings.Contains(m.Prom, "_seconds") {
			t.Errorf("%s: unit %q, want seconds exactly when the name says so", m.Prom, m.Unit)
		}
	}
}
