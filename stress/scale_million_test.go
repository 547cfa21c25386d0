package stress

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// millionBreakersHeap is the most heap and stack 1,000,000 idle named
// breakers may add under engine.WithOnDemandActors: issue 16's 1 KB an
// idle instance (onDemandCeiling), within its 1.2 GB for the million.
const millionBreakersHeap = onDemandCeiling * 1000000

// millionSize is how many breakers TestScaleMillionBreakersOnDemand
// creates: 1,000,000, or 20,000 under -race (whose shadow memory and
// slowness make a million a test of the machine, not of Bulwark).
func millionSize() int {
	if raceOn {
		return 20000
	}
	return 1000000
}

// TestScaleMillionBreakersOnDemand creates a million named breakers under
// engine.WithOnDemandActors (fewer under -race) and checks what they cost
// together, idle: at most millionBreakersHeap of heap and stack (scaled to
// the count: 1 KB a breaker), no goroutine once idle beyond the engine's
// own, a sample of them still answering (their first call after idleness
// starts a goroutine that ends again), and a Shutdown that stops them all
// within its deadline, leaving no goroutine (goleak, in TestMain). It prints the
// time to create them, the p99 of the sample's first calls and the time
// Shutdown took; times are printed, never asserted (the machine is
// shared). Skipped under -short.
func TestScaleMillionBreakersOnDemand(t *testing.T) {
	if testing.Short() {
		t.Skip("a million breakers: not under -short")
	}
	n := millionSize()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("host-%07d", i)
	}
	keep := make([]*circuitbreaker.Breaker, n)
	g0 := runtime.NumGoroutine()
	b0 := inUse()
	eng, err := engine.New(engine.WithOnDemandActors())
	if err != nil {
		t.Fatal(err)
	}
	start, cpu0 := time.Now(), cpuTime()
	for i, name := range names {
		if keep[i], err = circuitbreaker.New(eng, name, circuitbreaker.Config{}); err != nil {
			t.Fatalf("breaker %q: %v", name, err)
		}
	}
	create, createCPU := time.Since(start), cpuTime()-cpu0
	// The engine's own goroutines, and none per breaker.
	engineGoroutines := 4
	waitFor(time.Second, func() bool { return runtime.NumGoroutine()-g0 <= engineGoroutines })
	b1, g1 := inUse(), runtime.NumGoroutine()
	perBreaker := float64(b1-b0) / float64(n)
	start = time.Now()
	for _, name := range names[:min(n, 100000)] {
		if _, ok := kernel.Lookup[*circuitbreaker.Breaker](eng, circuitbreaker.Kind, name); !ok {
			t.Fatalf("Lookup(%q): not found", name)
		}
	}
	lookup := time.Since(start) / time.Duration(min(n, 100000))
	sample := make([]any, 0, 10000)
	for i := 0; i < n; i += max(1, n/cap(sample)) {
		sample = append(sample, keep[i])
	}
	firstCall := firstCalls(t, sample)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start, cpu0 = time.Now(), cpuTime()
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	shutdown, shutdownCPU := time.Since(start), cpuTime()-cpu0
	t.Logf("%d breakers on demand: created in %v (%v each; CPU %v), %.0f MB idle (%.0f bytes each), %d goroutines beside the test's %d, Lookup %v, first call p99 %v, Shutdown %v (CPU %v)",
		n, create.Round(time.Millisecond), create/time.Duration(n), createCPU.Round(time.Millisecond), float64(b1-b0)/(1<<20), perBreaker, g1-g0, g0, lookup, firstCall,
		shutdown.Round(time.Millisecond), shutdownCPU.Round(time.Millisecond))
	if limit := float64(millionBreakersHeap) / 1e6; perBreaker > limit {
		t.Errorf("an idle breaker costs %.0f bytes on demand, want at most %.0f (%.0f MB for a million)", perBreaker, limit, float64(millionBreakersHeap)/(1<<20))
	}
	if g1-g0 > engineGoroutines {
		t.Errorf("%d idle on-demand breakers: %d goroutines beside the test's, want at most the engine's %d", n, g1-g0, engineGoroutines)
	}
	if _, err := keep[n/2].Acquire(context.Background()); !errors.Is(err, engine.ErrStopped) {
		t.Errorf("Acquire after Shutdown: %v, want ErrStopped", err)
	}
	runtime.KeepAlive(keep)
}

// cpuTime returns the CPU time the process has used, user and system, all
// threads (the garbage collector's share included): on a shared machine
// it grows with the work done, where the wall clock grows with the load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
