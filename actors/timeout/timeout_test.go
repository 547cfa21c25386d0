package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// async runs fn in a goroutine and returns its error on a channel.
func TestFastCallSucceeds(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, clock := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: m.coop})
			var deadline time.Time
			v, err := timeout.Do(context.Background(), to, func(ctx context.Context) (int, error) {
				deadline, _ = ctx.Deadline()
				return 7, nil
			})
			if v != 7 || err != nil {
				t.Fatalf("got %v, %v; want 7, nil", v, err)
			}
			if want := epoch.Add(time.Second); !deadline.Equal(want) {
				t.Fatalf("function saw deadline %v, want %v", deadline, want)
			}
			if n := clock.Timers(); n != 0 {
				t.Fatalf("got %d timers left armed, want 0", n)
			}
		})
	}
}

func TestSlowCallTimesOut(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, clock := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: 100 * time.Millisecond, Cooperative: m.coop})
			var seen error
			ch := async(func() error {
				return to.Execute(context.Background(), func(ctx context.Context) error {
					<-ctx.Done()
					seen = ctx.Err()
					return ctx.Err()
				})
			})
			if err := clock.WaitForTimers(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			clock.Advance(100 * time.Millisecond)
			err := wait(t, ch)
			var te *messages.TimeoutError
			if !errors.As(err, &te) || !errors.Is(err, messages.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want a *TimeoutError wrapping ErrTimeout and DeadlineExceeded", err)
			}
			// In its own goroutine the function may or may not have returned
			// when the caller sees the limit: either reason is right.
			if te.Limit != 100*time.Millisecond || te.Elapsed != 100*time.Millisecond || (te.Reason != timeout.ReasonCancelled && (m.coop || te.Reason != timeout.ReasonAbandoned)) {
				t.Fatalf("got %+v, want limit and elapsed 100ms, reason cancelled", te)
			}
			if want := "timeout \"test\": operation exceeded timeout of 100ms (" + te.Reason + ")"; err.Error() != want {
				t.Fatalf("got %q, want %q", err, want)
			}
			if !m.coop {
				return // seen is written by the function's goroutine
			}
			if seen != context.DeadlineExceeded {
				t.Fatalf("function saw %v, want context.DeadlineExceeded", seen)
			}
		})
	}
}

func TestIgnoringFunctionIsAbandoned(t *testing.T) {
	eng, clock := newEngine(t)
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventTimeoutExceeded}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second})
	release, finished := make(chan struct{}), make(chan struct{})
	ch := async(func() error {
		return to.Execute(context.Background(), func(context.Context) error {
			defer close(finished)
			<-release // ignores its context
			return nil
		})
	})
	if err := clock.WaitForTimers(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	err = wait(t, ch)
	var te *messages.TimeoutError
	if !errors.As(err, &te) || te.Reason != timeout.ReasonAbandoned {
		t.Fatalf("got %v, want an abandoned *TimeoutError", err)
	}
	ev := <-sub.C()
	if ev.Fields.Reason != timeout.ReasonAbandoned || ev.Fields.Elapsed != time.Second || ev.Fields.Delay != time.Second {
		t.Fatalf("got event fields %+v, want abandoned after 1s of 1s", ev.Fields)
	}
	close(release) // the abandoned goroutine finishes on its own
	<-finished
}

// The function's own context.DeadlineExceeded (an inner, shorter timeout)
// is not our timeout: it comes back unchanged.
func TestInnerDeadlineIsNotOurs(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, _ := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: m.coop})
			err := to.Execute(context.Background(), func(ctx context.Context) error {
				inner, cancel := context.WithTimeout(context.WithoutCancel(ctx), -time.Second) // its own, shorter limit
				defer cancel()
				return inner.Err()
			})
			if err != context.DeadlineExceeded || errors.Is(err, messages.ErrTimeout) {
				t.Fatalf("got %v, want the function's own context.DeadlineExceeded unchanged", err)
			}
			if err := to.Execute(context.Background(), func(context.Context) error { return errA }); err != errA {
				t.Fatalf("got %v, want errA unchanged", err)
			}
		})
	}
}

func TestCallerCancelIsNotATimeout(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, clock := newEngine(t)
			to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: m.coop})
			ctx, cancel := context.WithCancel(context.Background())
			started := make(chan struct{})
			ch := async(func() error {
				return to.Execute(ctx, func(ctx context.Context) error { close(started); <-ctx.Done(); return ctx.Err() })
			})
			<-started
			cancel()
			if err := wait(t, ch); err != context.Canceled {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if n := clock.Timers(); n != 0 {
				t.Fatalf("got %d timers armed, want 0", n)
			}
		})
	}
}

// SPEC §13 item 37: tasks taking i × 100 ms under a 150 ms timeout.
func TestConcurrentCalls(t *testing.T) {
	eng, clock := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: 150 * time.Millisecond, Cooperative: true})
	chans := make([]<-chan error, 5)
	for i := range chans {
		d := time.Duration(i) * 100 * time.Millisecond
		chans[i] = async(func() error {
			return to.Execute(context.Background(), func(ctx context.Context) error { return engine.Sleep(ctx, clock, d) })
		})
	}
	if err := wait(t, chans[0]); err != nil {
		t.Fatalf("task 0: got %v, want nil", err)
	}
	if err := clock.WaitForTimers(context.Background(), 8); err != nil { // 4 limits + 4 sleeps
		t.Fatal(err)
	}
	clock.Advance(100 * time.Millisecond)
	if err := wait(t, chans[1]); err != nil {
		t.Fatalf("task 1: got %v, want nil", err)
	}
	clock.Advance(50 * time.Millisecond)
	for i := 2; i < 5; i++ {
		if err := wait(t, chans[i]); !errors.Is(err, timeout.ErrTimeout) {
			t.Fatalf("task %d: got %v, want ErrTimeout", i, err)
		}
	}
}

func TestPanicReachesCaller(t *testing.T) {
	to := newTimeout(t, nil, timeout.Config{Timeout: time.Minute})
	defer func() {
		if v := recover(); v != "boom" {
			t.Fatalf("recovered %v, want boom", v)
		}
	}()
	_ = to.Execute(context.Background(), func(context.Context) error { panic("boom") })
}

func TestEvents(t *testing.T) {
	eng, clock := newEngine(t)
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{timeout.Kind}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: true})
	_ = to.Execute(context.Background(), func(context.Context) error { clock.Advance(300 * time.Millisecond); return nil })
	ev := <-sub.C()
	if ev.Type != eventstream.EventTimeoutSuccess || ev.Fields.Elapsed != 300*time.Millisecond || ev.Name != "test" {
		t.Fatalf("got %s %+v, want timeout_success after 300ms", ev.Type, ev.Fields)
	}
	_ = to.Execute(context.Background(), func(context.Context) error { clock.Advance(2 * time.Second); return nil })
	ev = <-sub.C()
	if ev.Type != eventstream.EventTimeoutExceeded || ev.Fields.Reason != timeout.ReasonCancelled || ev.Fields.Elapsed != 2*time.Second {
		t.Fatalf("got %s %+v, want timeout_exceeded cancelled after 2s", ev.Type, ev.Fields)
	}
}

func TestValidation(t *testing.T) {
	_, err := timeout.New(nil, "bad", timeout.Config{Timeout: -time.Second})
	var ce *messages.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Timeout" {
		t.Fatalf("got %v, want a config error naming Timeout", err)
	}
	_, err = timeout.NewDeadline(nil, "bad", timeout.DeadlineConfig{})
	if !errors.As(err, &ce) || ce.Field != "At" {
		t.Fatalf("got %v, want a config error naming At", err)
	}
	to := newTimeout(t, nil, timeout.Config{})
	if to.Config().Timeout != timeout.DefaultTimeout {
		t.Fatalf("got default %v, want %v", to.Config().Timeout, timeout.DefaultTimeout)
	}
}

func TestRealClock(t *testing.T) {
	to := newTimeout(t, nil, timeout.Config{Timeout: 10 * time.Millisecond})
	err := to.Execute(context.Background(), func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	if !errors.Is(err, timeout.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
}

// A cooperative call's context arms no timer until the function waits on
// Done; its Err and Deadline still tell the truth.
func TestCooperativeContextIsLazy(t *testing.T) {
	eng, clock := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: true})
	err := to.Execute(context.Background(), func(ctx context.Context) error {
		if n := clock.Timers(); n != 0 {
			t.Errorf("got %d timers before Done, want 0", n)
		}
		if ctx.Err() != nil {
			t.Errorf("got Err %v before the limit, want nil", ctx.Err())
		}
		clock.Advance(time.Second)
		if ctx.Err() != context.DeadlineExceeded {
			t.Errorf("got Err %v at the limit, want DeadlineExceeded", ctx.Err())
		}
		return nil
	})
	if !errors.Is(err, timeout.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	var leaked context.Context
	_ = to.Execute(context.Background(), func(ctx context.Context) error {
		_ = ctx.Done()
		if n := clock.Timers(); n != 1 {
			t.Errorf("got %d timers after Done, want 1", n)
		}
		leaked = ctx
		return nil
	})
	if n := clock.Timers(); n != 0 || leaked.Err() == nil {
		t.Fatalf("got %d timers and Err %v after return, want 0 and a cancelled context", n, leaked.Err())
	}
}
