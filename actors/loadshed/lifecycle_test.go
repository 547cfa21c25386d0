package loadshed_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/messages"
)

// funcSignal is a Signal of a type that is not comparable.
type funcSignal func() loadshed.LoadLevel

func (f funcSignal) Level() loadshed.LoadLevel { return f() }

// Every size has a bound, and New does no work proportional to a size:
// MaxInFlight 1<<40 is a ConfigError at once (it used to fill a channel
// with a token per slot and wedge the supervisor), the largest accepted
// sizes make a shedder at once, and a Signal the registry cannot compare
// is refused.
func TestConfigBounds(t *testing.T) {
	eng := newEngine(t)
	for _, tc := range []struct {
		cfg   loadshed.Config
		field string
	}{
		{loadshed.Config{MaxInFlight: -1}, "MaxInFlight"},
		{loadshed.Config{MaxInFlight: loadshed.LargestMaxInFlight + 1}, "MaxInFlight"},
		{loadshed.Config{MaxInFlight: 1 << 40}, "MaxInFlight"},
		{loadshed.Config{MaxWaiting: -1}, "MaxWaiting"},
		{loadshed.Config{MaxWaiting: loadshed.LargestMaxWaiting + 1}, "MaxWaiting"},
		{loadshed.Config{Signal: funcSignal(func() loadshed.LoadLevel { return 0 })}, "Signal"},
	} {
		done := make(chan error, 1)
		go func() { _, err := loadshed.New(eng, "bad", tc.cfg); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second): // a bound on failure, not a guess at timing
			t.Fatalf("New(%s out of bounds) has not returned after 5 s", tc.field)
		}
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("New(%s out of bounds): got %v, want a ConfigError naming %s", tc.field, err, tc.field)
		}
		if verr := tc.cfg.Validate(); verr == nil || verr.Error() != err.Error() {
			t.Errorf("Validate(%s out of bounds): got %v, want %v", tc.field, verr, err)
		}
	}
	largest := loadshed.Config{MaxInFlight: loadshed.LargestMaxInFlight, MaxWaiting: loadshed.LargestMaxWaiting}
	if err := largest.Validate(); err != nil {
		t.Fatalf("Validate(largest): got %v, want nil", err)
	}
	s, err := loadshed.New(eng, "largest", largest)
	if err != nil {
		t.Fatalf("New(largest): got %v", err)
	}
	if st := stats(t, s); st.MaxInFlight != loadshed.LargestMaxInFlight || st.InFlight != 0 {
		t.Fatalf("largest: got max %d in flight %d", st.MaxInFlight, st.InFlight)
	}
	def, err := loadshed.New(eng, "defaults", loadshed.Config{})
	if err != nil {
		t.Fatal(err)
	}
	spelt := loadshed.Config{MaxInFlight: loadshed.DefaultMaxInFlight, MaxWaiting: 0}
	if same, err := loadshed.New(eng, "defaults", spelt); err != nil || same != def {
		t.Fatalf("the defaulted config spelt out: got %p, %v, want %p", same, err, def)
	}
}

// A nil function is an error wrapping messages.ErrInvalidConfig and takes
// no slot.
func TestNilFunc(t *testing.T) {
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 1})
	ctx := context.Background()
	waitqtest.WantErr(t, messages.ErrInvalidConfig,
		waitqtest.Call{Name: "Execute", Do: func() error { return s.Execute(ctx, nil) }},
		waitqtest.Call{Name: "ExecutePriority", Do: func() error { return s.ExecutePriority(ctx, messages.High, nil) }},
		waitqtest.Call{Name: "Do", Do: func() error { _, err := loadshed.Do[int](ctx, s, nil); return err }},
	)
	if st := stats(t, s); st.InFlight != 0 {
		t.Fatalf("in flight: got %d, want 0", st.InFlight)
	}
}

// After Engine.Shutdown every handle returns messages.ErrStopped, and a
// permit granted before still releases.
func TestStoppedHandles(t *testing.T) {
	s, eng := newShedder(t, loadshed.Config{MaxInFlight: 2})
	ctx := context.Background()
	p, err := s.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	s.Release(p, messages.Success) // never blocks
	ran := false
	fn := func(context.Context) error { ran = true; return nil }
	waitqtest.WantErr(t, messages.ErrStopped,
		waitqtest.Call{Name: "Acquire", Do: func() error { _, err := s.Acquire(ctx); return err }},
		waitqtest.Call{Name: "AcquirePriority", Do: func() error { _, err := s.AcquirePriority(ctx, messages.Critical); return err }},
		waitqtest.Call{Name: "Execute", Do: func() error { return s.Execute(ctx, fn) }},
		waitqtest.Call{Name: "ExecutePriority", Do: func() error { return s.ExecutePriority(ctx, messages.Low, fn) }},
		waitqtest.Call{Name: "Do", Do: func() error {
			_, err := loadshed.Do(ctx, s, func(context.Context) (int, error) { ran = true; return 1, nil })
			return err
		}},
		waitqtest.Call{Name: "Stats", Do: func() error { _, err := s.Stats(ctx); return err }},
		waitqtest.Call{Name: "New", Do: func() error { _, err := loadshed.New(eng, "late", loadshed.Config{}); return err }},
	)
	if ran {
		t.Error("a function ran after Shutdown")
	}
}

// An idle shedder — nothing in flight — does not shed for its Signal:
// shedding its first call relieves nothing, and a host busy with other
// work must not starve an idle service. From the second call on, the
// Signal sheds as the package doc says.
func TestIdleShedderIgnoresSignal(t *testing.T) {
	sig := &fakeSignal{}
	sig.set(loadshed.LevelCritical)
	s, _ := newShedder(t, loadshed.Config{MaxInFlight: 10, Signal: sig})
	ctx := context.Background()
	for _, pr := range []messages.Priority{messages.Low, messages.Normal, messages.High} {
		p, err := s.AcquirePriority(ctx, pr)
		if err != nil {
			t.Fatalf("idle shedder, signal critical, %v: got %v, want a permit", pr, err)
		}
		if pr == messages.High { // keep one in flight
			_, err := s.AcquirePriority(ctx, messages.High)
			wantShed(t, err, loadshed.ReasonSignal)
		}
		s.Release(p, messages.Success)
	}
	if st := stats(t, s); st.Rejected != 1 || st.InFlight != 0 {
		t.Fatalf("shed, in flight: got %d, %d, want 1, 0", st.Rejected, st.InFlight)
	}
}
