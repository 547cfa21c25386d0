package sysload_test

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/adapters/sysload"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// hotThenBroken reads a critical CPU once, then fails: with an error, or
// with a panic.
type hotThenBroken struct {
	n      atomic.Int32
	panics bool
}

func (r *hotThenBroken) CPUPercent() (float64, error) {
	if r.n.Add(1) == 1 {
		return 99.5, nil
	}
	if r.panics {
		panic("sensor gone")
	}
	return 0, errors.New("sensor gone")
}

func (r *hotThenBroken) MemoryPercent() (float64, error) { return 10, nil }

// A sample has an age: readings that keep failing leave the last good
// figures in place until they are StaleAfter old, then the sampler grades
// LevelNormal and the shedder falls back to its own count (it used to
// report the last level forever).
func TestStaleSampleFallsBack(t *testing.T) {
	r := &hotThenBroken{}
	s, clock, eng := start(t, r)
	shed := shedderOn(t, eng, s)
	ctx := context.Background()
	for i, step := range []struct {
		at   time.Duration
		want loadshed.LoadLevel
		ok   bool
	}{
		{0, loadshed.LevelCritical, true},
		{time.Second, loadshed.LevelCritical, true},     // a failed reading keeps the figures
		{3 * time.Second, loadshed.LevelCritical, true}, // StaleAfter (3 × Interval) old: still fresh
		{4 * time.Second, loadshed.LevelNormal, false},  // older: stale
	} {
		for clock.Now().Before(epoch.Add(step.at)) {
			if err := clock.WaitForTimers(ctx, 1); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			if _, err := s.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		x, ok := s.Fresh()
		if got := s.Level(); got != step.want || ok != step.ok || !x.Good.Equal(epoch) {
			t.Fatalf("step %d at +%v: got level %v fresh %v good %v, want %v %v %v", i, step.at, got, ok, x.Good, step.want, step.ok, epoch)
		}
	}
	p, err := shed.Acquire(ctx)
	if err != nil {
		t.Fatalf("a stale critical sample: Acquire got %v, want a permit", err)
	}
	shed.Release(p, messages.Success)
}

// A sampler that fails past its restart budget grades LevelNormal at once:
// the shedder falls back to its own count.
func TestFailedSamplerFallsBack(t *testing.T) {
	clock := engine.NewFakeClock(epoch)
	eng, err := engine.New(engine.WithClock(clock), engine.WithRestartBudget(2, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	s, err := sysload.New(eng, "host", sysload.Config{Interval: time.Second, Reader: &hotThenBroken{panics: true}})
	if err != nil {
		t.Fatal(err)
	}
	shed := shedderOn(t, eng, s)
	ctx := context.Background()
	if got := s.Level(); got != loadshed.LevelCritical {
		t.Fatalf("first sample: got %v, want critical", got)
	}
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second) // the next reading panics, and every restart's
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.Sync(ctx); errors.Is(err, messages.ErrStopped) {
			break
		}
		if time.Now().After(deadline) { // a bound on failure, not a guess at timing
			t.Fatal("the sampler did not fail past its restart budget")
		}
	}
	if x, ok := s.Fresh(); ok || x.CPU != 99.5 {
		t.Fatalf("Fresh after failing: got %+v, %v, want the last figures and false", x, ok)
	}
	if got := s.Level(); got != loadshed.LevelNormal {
		t.Fatalf("Level after failing: got %v, want normal", got)
	}
	p, err := shed.Acquire(ctx)
	if err != nil {
		t.Fatalf("a failed sampler: Acquire got %v, want a permit", err)
	}
	shed.Release(p, messages.Success)
}

// nanReader reads NaN CPU and 150 % memory.
type nanReader struct{}

func (nanReader) CPUPercent() (float64, error)    { return math.NaN(), nil }
func (nanReader) MemoryPercent() (float64, error) { return 150, nil }

// A reading outside 0-100 is a failed reading: it never grades the host.
func TestReadingOutOfRangeIsAnError(t *testing.T) {
	s, _, _ := start(t, nanReader{})
	x, err := s.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Fresh(); ok || x.Errors != 1 || x.CPU != 0 || x.Memory != 0 || s.Level() != loadshed.LevelNormal {
		t.Fatalf("got %+v fresh %v level %v, want 1 error, no figures, not fresh, normal", x, ok, s.Level())
	}
}
