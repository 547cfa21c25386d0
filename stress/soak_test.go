package stress

import (
	"os"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// soakEnv names the environment variable that turns the soak on: a
// duration (BULWARK_SOAK=10m go test -run Soak ./stress/).
const soakEnv = "BULWARK_SOAK"

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

// TestSoak runs every part of the mix at once, each with its share of the
// callers, for as long as BULWARK_SOAK says, and prints throughput,
// p50/p99/p999 and the invariant counts of every part every 10 s. It is
// skipped when the variable is unset.
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
	var parts []part
	for _, p := range soakParts {
		newOp, check := p.setup(t)
		parts = append(parts, part{p, newOp, check})
	}
	share := max(callers()/len(parts), 1)
	began := time.Now()
	for round := 1; time.Since(began) < total; round++ {
		d := min(every, total-time.Since(began))
		results := make([]closedloop.Result, len(parts))
		done := make(chan int, len(parts))
		for i := range parts {
			go func() {
				results[i] = closedloop.Run(closedloop.Config{Goroutines: share, Duration: d}, parts[i].newOp)
				done <- i
			}()
		}
		for range parts {
			<-done
		}
		for i, p := range parts {
			counts, broken := p.check()
			t.Logf("soak %v round %d %-14s %v | %s", time.Since(began).Round(time.Second), round, p.name, &results[i], counts)
			if broken != nil {
				t.Errorf("soak %s: %v", p.name, broken)
			}
		}
	}
}
