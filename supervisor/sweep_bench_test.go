package supervisor

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// sweepMover is a child that is a Mover as kernel.Actor is: Move is two
// CompareAndSwaps on a word inside a struct of about an actor's size, and
// a poke of its mailbox's wake channel when it asks to move.
type sweepMover struct {
	_      [12]uint64 // what lies before the word in an actor
	moving atomic.Int32
	wake   chan struct{}
	_      [6]uint64
}

func (m *sweepMover) Serve(ctx context.Context) error { <-ctx.Done(); return nil }

// An idle sweepMover has no goroutine: Shutdown stops it idle.
func (m *sweepMover) Attach(Waker)                            {}
func (m *sweepMover) StopIfIdle() bool                        { return true }
func (m *sweepMover) ServeOnDemand(ctx context.Context) error { return m.Serve(ctx) }
func (m *sweepMover) Drain()                                  {}

func (m *sweepMover) Move() {
	if !m.moving.CompareAndSwap(1, 2) && m.moving.CompareAndSwap(2, 3) {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
}

// sweepFiller stands for what a real child holds beside its entry and its
// actor (handle, behaviour, mailbox header, config): it spreads the
// entries over the heap as a registry of real children does, and gives
// the collector pointers to follow.
type sweepFiller struct {
	p [16]*byte
	_ [48]uint64
}

// sweepRegistry fills s with n running attached children, onDemand or
// served by default, and returns their movers. started says which have
// had a goroutine of their own (see serveOwn).
func sweepRegistry(s *Supervisor, n int, onDemand bool, started func(i int) bool) ([]*sweepMover, []*sweepFiller) {
	movers := make([]*sweepMover, 0, n)
	fill := make([]*sweepFiller, 0, n)
	for i := range n {
		k := key{"bench", fmt.Sprint("child-", i)}
		e, _ := s.ix.reserve(k, hash(k), nil)
		m := &sweepMover{wake: make(chan struct{}, 1)}
		fill = append(fill, &sweepFiller{})
		e.svc, e.handle, e.sup = m, m, s
		e.attached, e.onDemand = true, onDemand
		e.setStatus(Running)
		if started(i) {
			s.sweeps.add(e) // as serveOwn does
		}
		movers = append(movers, m)
	}
	return movers, fill
}

// threadCPU is the CPU time the calling thread has used (lock it first).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// gcCPU is the CPU time the collector has used so far.
func gcCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return time.Duration(s[0].Value.Float64() * 1e9)
}

// BenchmarkSweep is one sweep (sweep after a collection) of registries of
// 100k and 1M attached children: served by default, none started
// ("never": none ever called), one in ten ("tenth") or all ("once")
// started and asking to move at every other sweep; and under
// Options.OnDemand. It reports the CPU time of the sweep's thread per
// sweep and per child, beside the collector's CPU time per forced
// collection of the same heap.
func BenchmarkSweep(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	for _, n := range []int{100_000, 1_000_000} {
		for _, c := range []struct {
			name     string
			onDemand bool
			started  func(int) bool
		}{
			{"never", false, func(int) bool { return false }},
			{"tenth", false, func(i int) bool { return i%10 == 0 }},
			{"once", false, func(int) bool { return true }},
			{"ondemand", true, func(int) bool { return false }},
		} {
			b.Run(fmt.Sprintf("%s/%d", c.name, n), func(b *testing.B) {
				s, err := New(Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Shutdown(context.Background())
				movers, fill := sweepRegistry(s, n, c.onDemand, c.started)
				runtime.GC()
				g0 := gcCPU()
				for range 3 {
					runtime.GC()
				}
				gc := (gcCPU() - g0) / 3
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				var cpu time.Duration
				b.ResetTimer()
				for i := range b.N {
					if i%2 == 0 { // called since the last pair of sweeps
						b.StopTimer()
						for j, m := range movers {
							if c.started(j) {
								m.moving.Store(1)
							}
						}
						b.StartTimer()
					}
					t0 := threadCPU()
					s.sweeps.running.Store(true)
					s.sweep()
					cpu += threadCPU() - t0
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/sweep")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/child")
				b.ReportMetric(float64(gc.Nanoseconds()), "gc-cpu-ns/cycle")
				runtime.KeepAlive(fill)
			})
		}
	}
}
