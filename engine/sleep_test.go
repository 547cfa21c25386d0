package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// SleepUnless ends in one of three ways, each with its own result, and a
// stopped sleeper leaves no timer behind.
func TestSleepUnless(t *testing.T) {
	stopped := func() error { return messages.ErrStopped }
	sleep := func(ctx context.Context, c *engine.FakeClock, stop chan struct{}) chan error {
		done := make(chan error, 1)
		go func() { done <- engine.SleepUnless(ctx, c, time.Second, stop, stopped) }()
		if err := c.WaitForTimers(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		return done
	}

	c := engine.NewFakeClock(epoch)
	done := sleep(context.Background(), c, make(chan struct{}))
	c.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("the timer fired: err = %v, want nil", err)
	}

	stop := make(chan struct{})
	done = sleep(context.Background(), c, stop)
	close(stop)
	if err := <-done; !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("stop closed: err = %v, want ErrStopped", err)
	}
	if n := c.Timers(); n != 0 {
		t.Fatalf("%d timers left after a stopped sleep", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done = sleep(ctx, c, make(chan struct{}))
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("ctx ended: err = %v, want context.Canceled", err)
	}

	if err := engine.SleepUnless(ctx, c, 0, nil, stopped); !errors.Is(err, context.Canceled) {
		t.Fatalf("zero wait, ctx ended: err = %v, want context.Canceled", err)
	}
	if err := engine.SleepUnless(context.Background(), c, -1, nil, stopped); err != nil {
		t.Fatalf("zero wait: err = %v, want nil", err)
	}
}
