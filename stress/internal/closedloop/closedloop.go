// Package closedloop is the load generator shared by Bulwark's stress tests
// (package stress) and its side-by-side benchmarks (module stress/peers):
// N goroutines each call an operation in a loop — a fixed number of times or
// until a duration has passed — and every call's latency goes into the
// calling goroutine's own fixed-size histogram, merged when the run ends.
// Recording a call costs two monotonic clock reads and an increment; nothing
// is allocated per call and no goroutine writes another's memory.
//
// It is internal to stress/: test support, not part of Bulwark's API.
package closedloop

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config says how much load a Run makes. Exactly one of Calls, Total and
// Duration should be set; with none, every goroutine makes one call.
type Config struct {
	// Goroutines is how many callers run at once (at least 1).
	Goroutines int
	// Calls is how many calls each goroutine makes.
	Calls int
	// Total is how many calls the goroutines make together, spread as
	// evenly as possible (a benchmark's b.N). With Total < Goroutines only
	// Total goroutines are started.
	Total int
	// Duration, if positive, makes every goroutine call until it has
	// passed (Calls and Total are then ignored).
	Duration time.Duration
}

// Result is what a Run measured.
type Result struct {
	// Goroutines is how many callers ran.
	Goroutines int
	// Calls is how many calls completed.
	Calls uint64
	// Elapsed is the wall time from the release of the callers to the
	// return of the last one.
	Elapsed time.Duration
	// Latency holds every call's latency.
	Latency Histogram
}

// OpsPerSec returns the throughput of the run.
func (r *Result) OpsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Calls) / r.Elapsed.Seconds()
}

// String returns a one-line summary: calls, ops/s and p50/p99/p999/max.
func (r *Result) String() string {
	return fmt.Sprintf("goroutines=%d calls=%d elapsed=%v ops/s=%.0f p50=%v p99=%v p999=%v max=%v",
		r.Goroutines, r.Calls, r.Elapsed.Round(time.Millisecond), r.OpsPerSec(),
		r.Latency.Quantile(0.50), r.Latency.Quantile(0.99), r.Latency.Quantile(0.999), r.Latency.Max())
}

// Hooks let a benchmark exclude setup from its timer: Ready runs once every
// goroutine is started and waiting, just before they are released; Done
// runs as soon as the last one returns.
type Hooks struct {
	Ready, Done func()
}

// Run makes the load cfg describes. newOp is called once per goroutine,
// in that goroutine before the start, with its index (0 ≤ worker <
// Goroutines); the function it returns is the call that goroutine repeats
// (keep per-goroutine state — a random source, counters — in its closure).
func Run(cfg Config, newOp func(worker int) func()) Result {
	return RunHooks(cfg, Hooks{}, newOp)
}

// RunHooks is Run with hooks around the timed part.
func RunHooks(cfg Config, hooks Hooks, newOp func(worker int) func()) Result {
	g := cfg.Goroutines
	if g < 1 {
		g = 1
	}
	calls := func(int) int { return max(cfg.Calls, 1) }
	if cfg.Total > 0 {
		if cfg.Total < g {
			g = cfg.Total
		}
		per, extra := cfg.Total/g, cfg.Total%g
		calls = func(w int) int {
			if w < extra {
				return per + 1
			}
			return per
		}
	}
	var (
		stop    atomic.Bool
		ready   sync.WaitGroup
		done    sync.WaitGroup
		start   = make(chan struct{})
		records = make([]*recorder, g)
		counts  = make([]uint64, g)
	)
	ready.Add(g)
	done.Add(g)
	for w := 0; w < g; w++ {
		go func(w int) {
			defer done.Done()
			rec := new(recorder)
			records[w] = rec
			op := newOp(w)
			n := calls(w)
			ready.Done()
			<-start
			var made uint64
			if cfg.Duration > 0 {
				for !stop.Load() {
					t := time.Now()
					op()
					rec.record(int64(time.Since(t)))
					made++
				}
			} else {
				for i := 0; i < n; i++ {
					t := time.Now()
					op()
					rec.record(int64(time.Since(t)))
				}
				made = uint64(n)
			}
			counts[w] = made
		}(w)
	}
	ready.Wait()
	runtime.GC() // do not charge the setup's garbage to the run
	if hooks.Ready != nil {
		hooks.Ready()
	}
	began := time.Now()
	close(start)
	var timer *time.Timer
	if cfg.Duration > 0 {
		timer = time.AfterFunc(cfg.Duration, func() { stop.Store(true) })
	}
	done.Wait()
	elapsed := time.Since(began)
	if hooks.Done != nil {
		hooks.Done()
	}
	if timer != nil {
		timer.Stop()
	}
	res := Result{Goroutines: g, Elapsed: elapsed}
	for w, rec := range records {
		res.Latency.add(rec)
		res.Calls += counts[w]
	}
	return res
}
