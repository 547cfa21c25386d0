package stress

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// TestScaleNewOfAnExistingNameAllocatesNothing: New of a breaker that
// exists, with the same config, reads the registry's index and compares
// the configs in place — no message, no allocation (it made three before:
// the boxed config, and two closures for a Start that never ran).
func TestScaleNewOfAnExistingNameAllocatesNothing(t *testing.T) {
	eng := enginetest.Start(t)
	cfg := circuitbreaker.Config{FailureThreshold: 3, IsFailure: func(error) bool { return true }}
	b, err := circuitbreaker.New(eng, "existing", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := circuitbreaker.New(eng, "existing", cfg); err != nil || again != b {
		t.Fatalf("New again: %p, %v, want %p", again, err, b)
	}
	if n := testing.AllocsPerRun(1000, func() { _, _ = circuitbreaker.New(eng, "existing", cfg) }); n != 0 {
		t.Fatalf("New of an existing breaker: %v allocations, want 0", n)
	}
}

// TestScaleIdleBreakerStacks: a breaker never called holds no goroutine,
// so no stack; its first call starts one, on a stack that call grows from
// 2 KB to 4 KB (the runtime does not shrink it back while it waits), not
// more; after garbage collections the supervisor moves the idle breaker
// onto a fresh goroutine on 2 KB (supervisor.Mover, see usedIdleCeiling).
// It checks the averages over 2,000 breakers. Skipped under -race, whose
// frames are larger.
func TestScaleIdleBreakerStacks(t *testing.T) {
	if raceOn {
		t.Skip("stack sizes differ under -race")
	}
	eng := enginetest.Start(t)
	const n = 2000
	keep := make([]*circuitbreaker.Breaker, n)
	g0, s0 := runtime.NumGoroutine(), stackInUse()
	for i := range keep {
		b, err := circuitbreaker.New(eng, fmt.Sprint("stack-", i), circuitbreaker.Config{})
		if err != nil {
			t.Fatal(err)
		}
		keep[i] = b
	}
	g1, s1 := runtime.NumGoroutine(), stackInUse()
	t.Logf("never called: %.2f goroutines and %.0f bytes of stack per breaker", float64(g1-g0)/n, float64(s1-s0)/n)
	if g1-g0 > n/100 || s1-s0 > 256*n { // goroutines of earlier tests may come and go
		t.Fatalf("%d breakers never called: %d goroutines and %d bytes of stack more, want none", n, g1-g0, s1-s0)
	}
	for _, b := range keep {
		if _, err := b.Stats(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(time.Second, func() bool { return runtime.NumGoroutine()-g0 >= n })
	g2, s2 := runtime.NumGoroutine(), stackInUse()
	per := float64(s2-s0) / n
	t.Logf("called once: %.2f goroutines and %.0f bytes of stack per breaker", float64(g2-g0)/n, per)
	if g2-g0 < n*99/100 { // one each, less goroutines of earlier tests ending meanwhile
		t.Fatalf("%d breakers called once keep %d goroutines, want one each", n, g2-g0)
	}
	if per > 4608 {
		t.Fatalf("an idle breaker called once keeps %.0f bytes of stack on average, want 4 KB (at most 4.5 KB)", per)
	}
	runtime.KeepAlive(keep)
}

// stackInUse returns the stack bytes in use after a collection.
func stackInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.StackInuse)
}

// benchBreakers times New of breakers with the default config under an
// engine started with opts: of names that exist (lookup) or of fresh ones.
// It reports the process's CPU time per New as cpu-ns/op beside the wall
// time: on a shared machine the CPU time is the figure to compare.
func benchBreakers(b *testing.B, lookup bool, opts ...engine.Option) {
	eng := enginetest.Start(b, opts...)
	const n = 2000
	names := make([]string, max(n, b.N))
	for i := range names {
		names[i] = fmt.Sprint("bench-", i)
	}
	if lookup {
		for _, name := range names[:n] {
			if _, err := circuitbreaker.New(eng, name, circuitbreaker.Config{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := range b.N {
		name := names[i]
		if lookup {
			name = names[i%n]
		}
		if _, err := circuitbreaker.New(eng, name, circuitbreaker.Config{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}

func BenchmarkScaleBreakerLookup(b *testing.B) { benchBreakers(b, true) }
func BenchmarkScaleBreakerCreate(b *testing.B) { benchBreakers(b, false) }
func BenchmarkScaleBreakerCreateOnDemand(b *testing.B) {
	benchBreakers(b, false, engine.WithOnDemandActors())
}

// benchFirstCall times the first call (Stats) on each of b.N breakers
// created, idle, under an engine started with opts, reporting CPU time
// per call as benchBreakers does, and the wall time's median and 99th
// percentile (p50-ns, p99-ns).
func benchFirstCall(b *testing.B, opts ...engine.Option) {
	eng := enginetest.Start(b, opts...)
	keep := make([]*circuitbreaker.Breaker, b.N)
	for i := range keep {
		var err error
		if keep[i], err = circuitbreaker.New(eng, fmt.Sprint("first-", i), circuitbreaker.Config{}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	took := make([]time.Duration, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i, cb := range keep {
		start := time.Now()
		if _, err := cb.Stats(ctx); err != nil {
			b.Fatal(err)
		}
		took[i] = time.Since(start)
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
	reportPercentiles(b, took)
}

// reportPercentiles reports the median and the 99th percentile of took.
func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2]), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100]), "p99-ns")
}

func BenchmarkScaleBreakerFirstCall(b *testing.B) { benchFirstCall(b) }
func BenchmarkScaleBreakerFirstCallOnDemand(b *testing.B) {
	benchFirstCall(b, engine.WithOnDemandActors())
}

// BenchmarkScaleGoroutineFloor is the runtime's part of a first call, for
// comparison with BenchmarkScaleBreakerFirstCall…: a goroutine started
// and answering on a channel, as a first call after idleness under
// engine.WithOnDemandActors asks for ("ends"), or answering after growing
// its stack to 4 KB and staying, as the first call of an actor does by
// default ("stays"). Reported as benchFirstCall does.
func BenchmarkScaleGoroutineFloor(b *testing.B) {
	for _, stays := range []bool{false, true} {
		b.Run(map[bool]string{false: "ends", true: "stays"}[stays], func(b *testing.B) {
			stop := make(chan struct{})
			defer close(stop)
			took := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuTime()
			for i := range took {
				reply := make(chan int, 1)
				start := time.Now()
				go func() {
					if !stays {
						reply <- 1
						return
					}
					reply <- growStack(24)
					<-stop
				}()
				<-reply
				took[i] = time.Since(start)
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
			reportPercentiles(b, took)
		})
	}
}

// growStack uses about 100 bytes of stack per level.
//
//go:noinline
func growStack(n int) int {
	var buf [64]byte
	buf[n%64] = byte(n)
	if n == 0 {
		return int(buf[0])
	}
	return growStack(n-1) + int(buf[n%64])
}

// TestScaleFirstMessageRacesTheFirstWait: an actor's first Serve waits for
// its first message in a small frame before entering its loop; a first
// message sent from many goroutines while that wait begins is always
// answered (real clock, 64 senders, thousands of fresh actors).
func TestScaleFirstMessageRacesTheFirstWait(t *testing.T) {
	eng := enginetest.Start(t)
	n := 4000
	if testing.Short() || raceOn {
		n = 500
	}
	actors := make(chan *kernel.Actor[int, int], n)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range actors {
				ctx, cancel := context.WithTimeout(context.Background(), enginetest.ShutdownTimeout)
				v, err := a.Ask(ctx, 7)
				cancel()
				if err != nil || v != 7 {
					errs <- fmt.Errorf("the first Ask: %v, %v", v, err)
					return
				}
			}
		}()
	}
	for i := range n {
		actors <- enginetest.Spawn(t, eng, fmt.Sprint("first-message-", i), enginetest.NewEcho)
	}
	close(actors)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
