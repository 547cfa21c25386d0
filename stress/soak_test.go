package stress

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// soakEnv names the environment variable that turns the soak on: a
// duration (BULWARK_SOAK=10m go test -run Soak ./stress/).
const soakEnv = "BULWARK_SOAK"

// soakPartsEnv, if set, names the parts to soak, separated by commas
// (BULWARK_SOAK_PARTS=ratelimit,actor); all of them by default.
const soakPartsEnv = "BULWARK_SOAK_PARTS"

// soakPart is one workload of the soak: setup builds it on an engine and
// returns the per-goroutine operation and a function returning its
// invariant counters (name → count) and any invariant it found broken.
type soakPart struct {
	name  string
	setup func(t *testing.T) (newOp func(worker int) func(), check func() (counts string, broken error))
}

// soakParts is the soak's mix; each pattern's stress file adds its part in
// an init function.
var soakParts []soakPart

// TestSoak runs the mix for as long as BULWARK_SOAK says, in rounds of
// 10 s: each round gives every part its turn (an equal share of the round,
// with callers() goroutines against its one instance, as the stress tests
// do) and then prints, for each part, throughput, p50/p99/p999 and its
// invariant counts (cumulative). It is skipped when the variable is unset.
//
// The parts take turns rather than run at once: callers that never block
// (a rate limiter's or an adaptive limiter's refusals) would otherwise take
// the CPU from the actors whose answers the other parts wait for.
func TestSoak(t *testing.T) {
	v := os.Getenv(soakEnv)
	if v == "" {
		t.Skipf("set %s=<duration> to soak", soakEnv)
	}
	total, err := time.ParseDuration(v)
	if err != nil || total <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 10m", soakEnv, v)
	}
	const every = 10 * time.Second
	type part struct {
		soakPart
		newOp func(int) func()
		check func() (string, error)
	}
	only := os.Getenv(soakPartsEnv)
	var parts []part
	for _, p := range soakParts {
		if only != "" && !slices.Contains(strings.Split(only, ","), p.name) {
			continue
		}
		newOp, check := p.setup(t)
		parts = append(parts, part{p, newOp, check})
	}
	began := time.Now()
	for round := 1; time.Since(began) < total; round++ {
		turn := max(min(every, total-time.Since(began))/time.Duration(len(parts)), time.Millisecond)
		for _, p := range parts {
			res := closedloop.Run(closedloop.Config{Goroutines: callers(), Duration: turn}, p.newOp)
			counts, broken := p.check()
			t.Logf("soak %v round %d %-14s %v | %s", time.Since(began).Round(time.Second), round, p.name, &res, counts)
			if broken != nil {
				t.Errorf("soak %s: %v", p.name, broken)
			}
		}
	}
}
