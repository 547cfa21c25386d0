package sysload_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/adapters/sysload"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// scripted returns its figures in turn; a NaN-free error script fails the
// matching call.
type scripted struct {
	cpu, memory []float64
	fail        []bool
	n           int
}

func (s *scripted) CPUPercent() (float64, error) {
	i := s.n
	if i < len(s.fail) && s.fail[i] {
		return 0, errors.New("no /proc")
	}
	return s.cpu[min(i, len(s.cpu)-1)], nil
}

func (s *scripted) MemoryPercent() (float64, error) {
	i := s.n
	s.n++
	return s.memory[min(i, len(s.memory)-1)], nil
}

func start(t *testing.T, r sysload.Reader) (*sysload.Sampler, *engine.FakeClock, *engine.Engine) {
	t.Helper()
	clock := engine.NewFakeClock(epoch)
	eng, err := engine.New(engine.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	s, err := sysload.New(eng, "host", sysload.Config{Interval: time.Second, Reader: r})
	if err != nil {
		t.Fatal(err)
	}
	return s, clock, eng
}

func TestSamplesEveryIntervalOnTheEngineClock(t *testing.T) {
	r := &scripted{cpu: []float64{10, 70, 95}, memory: []float64{20, 40, 91}}
	s, clock, _ := start(t, r)
	ctx := context.Background()
	first, err := s.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.CPU != 10 || first.Memory != 20 || !first.At.Equal(epoch) {
		t.Fatalf("first sample: got %+v", first)
	}
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(999 * time.Millisecond)
	if got, _ := s.Sync(ctx); got.CPU != 10 {
		t.Fatalf("sampled before the interval: %+v", got)
	}
	clock.Advance(time.Millisecond)
	got, _ := s.Sync(ctx)
	if got.CPU != 70 || got.Memory != 40 || !got.At.Equal(epoch.Add(time.Second)) {
		t.Fatalf("second sample: got %+v", got)
	}
	if s.Latest() != got {
		t.Fatalf("Latest: got %+v, want %+v", s.Latest(), got)
	}
}

func TestFailedReadingKeepsLastFigures(t *testing.T) {
	r := &scripted{cpu: []float64{30, 99}, memory: []float64{50, 60}, fail: []bool{false, true}}
	s, clock, eng := start(t, r)
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventBackendError}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	got, _ := s.Sync(ctx)
	if got.CPU != 30 || got.Memory != 60 || got.Errors != 1 {
		t.Fatalf("after a failed CPU reading: got %+v, want CPU kept at 30, memory 60, 1 error", got)
	}
	if ev := <-sub.C(); ev.Pattern != sysload.Kind || ev.Fields.Err != "no /proc" {
		t.Fatalf("event: %v", ev)
	}
}

func TestRealHost(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	s, err := sysload.New(eng, "real", sysload.Config{Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Memory <= 0 || got.Memory > 100 || got.CPU < 0 || got.CPU > 100 || got.Errors != 0 {
		t.Fatalf("real host: got %+v", got)
	}
}

func TestBadConfig(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	if _, err := sysload.New(eng, "x", sysload.Config{Interval: -time.Second}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("got %v", err)
	}
}

func TestSamplerShedsThroughLoadshed(t *testing.T) {
	r := &scripted{cpu: []float64{20, 95}, memory: []float64{30, 30}}
	s, clock, eng := start(t, r)
	shed := shedderOn(t, eng, s)
	ctx := context.Background()
	p, err := shed.Acquire(ctx) // held: a shedder with nothing in flight does not shed for its Signal
	if err != nil {
		t.Fatalf("calm host: %v", err)
	}
	defer shed.Release(p, messages.Success)
	if err := clock.WaitForTimers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second) // CPU 95 %: high
	if _, err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := shed.Acquire(ctx); !errors.Is(err, messages.ErrShed) {
		t.Fatalf("hot host: got %v, want ErrShed", err)
	}
}

// 14.2: on a small shared host reading 100 % CPU before any load, the
// default configuration does not shed an idle service's first call; with
// calls in flight the host's level sheds as configured.
func TestBusySharedHostIdleService(t *testing.T) {
	r := &scripted{cpu: []float64{100}, memory: []float64{30}}
	s, _, eng := start(t, r)
	shed := shedderOn(t, eng, s)
	ctx := context.Background()
	p, err := shed.Acquire(ctx)
	if err != nil {
		t.Fatalf("first call on a busy host: got %v, want a permit", err)
	}
	defer shed.Release(p, messages.Success)
	if _, err := shed.Acquire(ctx); !errors.Is(err, messages.ErrShed) {
		t.Fatalf("second call on a busy host: got %v, want ErrShed", err)
	}
}

// shedderOn returns a load shedder of 10 slots with s as its Signal, once s
// has taken its first sample.
func shedderOn(t *testing.T, eng *engine.Engine, s *sysload.Sampler) *loadshed.Shedder {
	t.Helper()
	shed, err := loadshed.New(eng, "api", loadshed.Config{MaxInFlight: 10, Signal: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return shed
}
