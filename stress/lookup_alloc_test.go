package stress

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/supervisor"
)

// pointerLevel is a loadshed.Signal held by pointer; fixedLevel one held
// by copy (comparable, larger than a word).
type pointerLevel struct{ l loadshed.LoadLevel }

func (p *pointerLevel) Level() loadshed.LoadLevel { return p.l }

type fixedLevel struct {
	L    loadshed.LoadLevel
	Host string
}

func (f fixedLevel) Level() loadshed.LoadLevel { return f.L }

func isFailure(err error) bool { return err != nil }
func anyError(err error) bool  { return true }

// lookupCase is one kind and config: newOne gets or creates the instance
// called name with the config, other with a config that differs from it;
// create, if set, creates it first with a copy of the config made apart
// (as a caller who builds its config again would make it).
type lookupCase struct {
	kind, what            string
	newOne, other, create func(eng *engine.Engine, name string) (any, error)
}

// lookupCases are, for every stateful kind, its default config and one
// with fields set: a function (breaker), a Signal held by pointer and one
// held by copy (load shedder), floats and enums.
func lookupCases() []lookupCase {
	sig, alike := &pointerLevel{}, &pointerLevel{}
	isFailureCB := circuitbreaker.Config{FailureThreshold: 3, IsFailure: isFailure, WindowType: circuitbreaker.TimeBased}
	host := "db" // not a constant: each Config below holds its own copy
	byCopy := func() loadshed.Config { return loadshed.Config{Signal: fixedLevel{loadshed.LevelHigh, host}} }
	copyA, copyB := byCopy(), byCopy()
	return []lookupCase{
		{"circuitbreaker", "default",
			func(e *engine.Engine, n string) (any, error) {
				return circuitbreaker.New(e, n, circuitbreaker.Config{})
			},
			func(e *engine.Engine, n string) (any, error) {
				return circuitbreaker.New(e, n, circuitbreaker.Config{FailureThreshold: 1})
			}, nil},
		{"circuitbreaker", "IsFailure and a time window",
			func(e *engine.Engine, n string) (any, error) { return circuitbreaker.New(e, n, isFailureCB) },
			func(e *engine.Engine, n string) (any, error) {
				c := isFailureCB
				c.IsFailure = anyError
				return circuitbreaker.New(e, n, c)
			}, nil},
		{"ratelimit", "default",
			func(e *engine.Engine, n string) (any, error) { return ratelimit.New(e, n, ratelimit.Config{}) },
			func(e *engine.Engine, n string) (any, error) {
				return ratelimit.New(e, n, ratelimit.Config{MaxKeys: 10})
			}, nil},
		{"ratelimit", "sliding window, 4 shards, a cap",
			func(e *engine.Engine, n string) (any, error) {
				return ratelimit.New(e, n, ratelimit.Config{Algorithm: ratelimit.SlidingWindow, Shards: 4, MaxKeys: 100, SweepInterval: time.Second})
			},
			func(e *engine.Engine, n string) (any, error) {
				return ratelimit.New(e, n, ratelimit.Config{Algorithm: ratelimit.SlidingWindow, Shards: 4, MaxKeys: 101, SweepInterval: time.Second})
			}, nil},
		{"bulkhead", "default",
			func(e *engine.Engine, n string) (any, error) { return bulkhead.New(e, n, bulkhead.Config{}) },
			func(e *engine.Engine, n string) (any, error) {
				return bulkhead.New(e, n, bulkhead.Config{MaxInFlight: 3})
			}, nil},
		{"bulkhead", "a queue",
			func(e *engine.Engine, n string) (any, error) {
				return bulkhead.New(e, n, bulkhead.Config{MaxInFlight: 5, MaxWaiting: 3, MaxWait: time.Second})
			},
			func(e *engine.Engine, n string) (any, error) {
				return bulkhead.New(e, n, bulkhead.Config{MaxInFlight: 5, MaxWaiting: 3, MaxWait: time.Minute})
			}, nil},
		{"loadshed", "default",
			func(e *engine.Engine, n string) (any, error) { return loadshed.New(e, n, loadshed.Config{}) },
			func(e *engine.Engine, n string) (any, error) { return loadshed.New(e, n, loadshed.Config{Signal: sig}) }, nil},
		{"loadshed", "a Signal held by pointer",
			func(e *engine.Engine, n string) (any, error) {
				return loadshed.New(e, n, loadshed.Config{MaxInFlight: 5, Signal: sig})
			},
			func(e *engine.Engine, n string) (any, error) {
				return loadshed.New(e, n, loadshed.Config{MaxInFlight: 5, Signal: alike}) // alike, not the same
			}, nil},
		{"loadshed", "a Signal held by copy",
			func(e *engine.Engine, n string) (any, error) { return loadshed.New(e, n, copyB) },
			func(e *engine.Engine, n string) (any, error) {
				return loadshed.New(e, n, loadshed.Config{Signal: fixedLevel{loadshed.LevelHigh, host + "2"}})
			},
			func(e *engine.Engine, n string) (any, error) { return loadshed.New(e, n, copyA) }},
		{"backpressure", "default",
			func(e *engine.Engine, n string) (any, error) { return backpressure.New(e, n, backpressure.Config{}) },
			func(e *engine.Engine, n string) (any, error) {
				return backpressure.New(e, n, backpressure.Config{MaxInFlight: 7})
			}, nil},
		{"backpressure", "water marks and a queue",
			func(e *engine.Engine, n string) (any, error) {
				return backpressure.New(e, n, backpressure.Config{MaxInFlight: 100, HighWaterMark: 80, LowWaterMark: 20, MaxWaiting: 5, MaxWait: time.Second})
			},
			func(e *engine.Engine, n string) (any, error) {
				return backpressure.New(e, n, backpressure.Config{MaxInFlight: 100, HighWaterMark: 80, LowWaterMark: 21, MaxWaiting: 5, MaxWait: time.Second})
			}, nil},
		{"adaptive", "default",
			func(e *engine.Engine, n string) (any, error) { return adaptive.New(e, n, adaptive.Config{}) },
			func(e *engine.Engine, n string) (any, error) {
				return adaptive.New(e, n, adaptive.Config{MaxLimit: 50})
			}, nil},
		{"adaptive", "Vegas with limits and rates",
			func(e *engine.Engine, n string) (any, error) {
				return adaptive.New(e, n, adaptive.Config{Algorithm: adaptive.Vegas, MaxLimit: 50, DecreaseFactor: 0.5, IncreaseAtSuccessRate: 0.9})
			},
			func(e *engine.Engine, n string) (any, error) {
				return adaptive.New(e, n, adaptive.Config{Algorithm: adaptive.Vegas, MaxLimit: 50, DecreaseFactor: 0.75, IncreaseAtSuccessRate: 0.9})
			}, nil},
	}
}

// TestNewOfAnExistingNameAllocatesNothing: for every stateful kind, New of
// a name that exists with the same config (defaults, a function, a Signal
// held by pointer or by copy, floats) returns the same instance and
// allocates nothing — also under testing.AllocsPerRun's GOMAXPROCS 1,
// which changes the rate limiter's default shard count; a different config
// is a *supervisor.ConflictError.
func TestNewOfAnExistingNameAllocatesNothing(t *testing.T) {
	eng := enginetest.Start(t)
	for i, c := range lookupCases() {
		name := fmt.Sprint("lookup-", i)
		create := c.create
		if create == nil {
			create = c.newOne
		}
		first, err := create(eng, name)
		if err != nil {
			t.Fatalf("%s, %s: %v", c.kind, c.what, err)
		}
		var again any
		allocs := testing.AllocsPerRun(100, func() { again, err = c.newOne(eng, name) })
		if err != nil || again != first {
			t.Errorf("%s, %s: New again: got %p, %v, want %p", c.kind, c.what, again, err, first)
		}
		if allocs != 0 {
			t.Errorf("%s, %s: New of an existing name: %v allocations, want 0", c.kind, c.what, allocs)
		}
		if _, err := c.other(eng, name); !errors.As(err, new(*supervisor.ConflictError)) {
			t.Errorf("%s, %s: New with another config: got %v, want a *supervisor.ConflictError", c.kind, c.what, err)
		}
	}
}

// BenchmarkLookup times New of names that exist (2,000, default config)
// for every stateful kind, with the process's CPU time per New as
// cpu-ns/op beside the wall time.
func BenchmarkLookup(b *testing.B) {
	for _, c := range lookupCases() {
		if c.what != "default" {
			continue
		}
		b.Run(c.kind, func(b *testing.B) {
			eng := enginetest.Start(b)
			names := make([]string, 2000)
			for i := range names {
				names[i] = fmt.Sprint(c.kind, i)
				if _, err := c.newOne(eng, names[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			c0 := cpuTime()
			for i := range b.N {
				if _, err := c.newOne(eng, names[i%len(names)]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestNewOfOneNameFromManyGoroutines: for every stateful kind and config
// at once, 32 goroutines ask for one fresh name, half with the config and
// half with another, while GOMAXPROCS changes under them (which changes
// the rate limiter's default shard count): every caller with the config
// that won gets the one instance on every call, every other a
// *supervisor.ConflictError on every call.
func TestNewOfOneNameFromManyGoroutines(t *testing.T) {
	eng := enginetest.Start(t)
	const callers, rounds = 32, 20
	stop := make(chan struct{})
	flipped := make(chan struct{})
	var flips atomic.Int64
	go func() { // flips GOMAXPROCS between 1 and 2 until stop
		defer close(flipped)
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				runtime.GOMAXPROCS(1 + i%2)
				flips.Add(1)
				pause := 100 * time.Microsecond // pacing, not a guess at timing
				if i%2 == 0 {
					pause = time.Millisecond // under 1: most callers take a turn
				}
				time.Sleep(pause)
			}
		}
	}()
	defer func() { close(stop); <-flipped }()
	// caller is what one goroutine saw: the instance, how many calls,
	// how many conflicts, and any other error.
	type caller struct {
		got              any
		calls, conflicts int
		err              error
	}
	cases := lookupCases()
	seen := make([][callers]caller, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		newOne := c.create
		if newOne == nil {
			newOne = c.newOne
		}
		name := fmt.Sprint("many-", i)
		for g := range callers {
			me := &seen[i][g]
			ask := newOne
			if g%2 == 1 {
				ask = c.other
			}
			wg.Go(func() {
				// At least rounds, and across six changes of GOMAXPROCS.
				from := flips.Load()
				for ; me.calls < rounds || flips.Load() < from+6; me.calls++ {
					h, err := ask(eng, name)
					switch {
					case errors.As(err, new(*supervisor.ConflictError)):
						me.conflicts++
					case err != nil:
						me.err = err
					case me.got == nil:
						me.got = h
					case h != me.got:
						me.err = fmt.Errorf("two instances: %p and %p", me.got, h)
					}
					runtime.Gosched() // under GOMAXPROCS 1 too, every caller takes turns
				}
			})
		}
	}
	wg.Wait()
	for i, c := range cases {
		won, instance := -1, any(nil) // the side (0: the config, 1: the other) whose instance runs
		for g, me := range seen[i] {
			if me.err != nil {
				t.Fatalf("%s, %s: caller %d: %v", c.kind, c.what, g, me.err)
			}
			if me.got != nil && won < 0 {
				won, instance = g%2, me.got
			}
		}
		if won < 0 {
			t.Fatalf("%s, %s: no caller got an instance", c.kind, c.what)
		}
		for g, me := range seen[i] {
			if g%2 == won && (me.conflicts != 0 || me.got != instance) {
				t.Errorf("%s, %s: caller %d with the config that won: %d conflicts, instance %p, want 0 and %p",
					c.kind, c.what, g, me.conflicts, me.got, instance)
				break
			}
			if g%2 != won && me.conflicts != me.calls {
				t.Errorf("%s, %s: caller %d with the config that lost: %d conflicts in %d calls", c.kind, c.what, g, me.conflicts, me.calls)
				break
			}
		}
	}
}
