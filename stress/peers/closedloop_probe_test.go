//go:build unix

package peers

import (
	"context"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// BenchmarkProbeClosedLoop is a diagnostic of the closed loop of
// BenchmarkClosedLoop for a shared, loaded machine, where wall-clock ns/op
// says more about the neighbours than about the code: besides the closed
// loop's metrics it reports cpu-ns/op, the process's CPU time (user and
// system, getrusage) from the release of the callers to the return of the
// last one, over b.N. Run it alone, A/B with binaries built by go test -c,
// at a fixed -benchtime=Nx:
//
//	BULWARK_PROBE=1 go test -run '^$' -bench ProbeClosedLoop -cpu 1,2 -benchtime 5000000x
//
// It is skipped unless BULWARK_PROBE is set, so compare.sh does not run it.
//
//   - bulkhead: BenchmarkClosedLoop/bulkhead/bulwark (more slots than
//     callers: every call takes the fast path), with peak-slots, the
//     bulkhead's PeakInFlight at the end;
//   - bulkhead-untimed: the same calls without the closed loop's two clock
//     reads a call and its histogram (on a VM they cost more than the
//     bulkhead): ns/op and cpu-ns/op of Acquire and Release alone;
//   - bulkhead-queued: one slot, every other caller may wait in the
//     bulkhead's queue: at cpu=1 the slot is free whenever a caller runs,
//     at cpu=2 the callers of one P wait for the other's, through the
//     bulkhead's actor.
func BenchmarkProbeClosedLoop(b *testing.B) {
	if os.Getenv("BULWARK_PROBE") == "" {
		b.Skip("a diagnostic: set BULWARK_PROBE=1 to run it")
	}
	for _, c := range []struct {
		name    string
		cfg     func() bulkhead.Config
		untimed bool
	}{
		{"bulkhead", func() bulkhead.Config { return bulkhead.Config{MaxInFlight: 1 << 16} }, false},
		{"bulkhead-untimed", func() bulkhead.Config { return bulkhead.Config{MaxInFlight: 1 << 16} }, true},
		{"bulkhead-queued", func() bulkhead.Config {
			return bulkhead.Config{MaxInFlight: 1, MaxWaiting: clCallers()}
		}, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			bh, err := bulkhead.New(clEngine(b), "probe", c.cfg())
			if err != nil {
				b.Fatal(err)
			}
			call := clGuard(bh)
			var before, after time.Duration
			b.ReportAllocs()
			if c.untimed {
				before, after = untimedLoop(b, clCallers(), call)
				b.ReportMetric(float64(after-before)/float64(b.N), "cpu-ns/op")
				return
			}
			res := closedloop.RunHooks(closedloop.Config{Goroutines: clCallers(), Total: b.N},
				closedloop.Hooks{
					Ready: func() { before = processCPU(b); b.ResetTimer() },
					Done:  func() { b.StopTimer(); after = processCPU(b) },
				},
				func(int) func() {
					return func() {
						if err := call(); err != nil {
							b.Error(err)
						}
					}
				})
			closedloop.Report(b, &res)
			b.ReportMetric(float64(after-before)/float64(b.N), "cpu-ns/op")
			st, err := bh.Stats(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.PeakInFlight), "peak-slots")
		})
	}
}

// processCPU returns the CPU time (user and system) the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// untimedLoop makes b.N calls of call from goroutines callers, as the
// closed loop does but without timing each call, and returns the process's
// CPU time when the callers were released and when the last returned.
func untimedLoop(b *testing.B, goroutines int, call func() error) (before, after time.Duration) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for w := range goroutines {
		n := b.N / goroutines
		if w < b.N%goroutines {
			n++
		}
		ready.Add(1)
		done.Go(func() {
			ready.Done()
			<-start
			for range n {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	ready.Wait()
	before = processCPU(b)
	b.ResetTimer()
	close(start)
	done.Wait()
	b.StopTimer()
	return before, processCPU(b)
}
