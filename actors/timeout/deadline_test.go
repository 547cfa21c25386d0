package timeout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

func TestDeadline(t *testing.T) {
	eng, clock := newEngine(t)
	d, err := timeout.NewDeadline(eng, "request", timeout.DeadlineConfig{At: epoch.Add(5 * time.Second), Cooperative: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Remaining() != 5*time.Second || d.Expired() {
		t.Fatalf("got remaining %v expired %v, want 5s, false", d.Remaining(), d.Expired())
	}
	// Several calls share the one end: the second gets what is left.
	var limits []time.Duration
	call := func(ctx context.Context) error {
		dl, _ := ctx.Deadline()
		limits = append(limits, dl.Sub(clock.Now()))
		clock.Advance(2 * time.Second)
		return nil
	}
	for i := 0; i < 2; i++ {
		if err := d.Execute(context.Background(), call); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if limits[0] != 5*time.Second || limits[1] != 3*time.Second {
		t.Fatalf("got limits %v, want [5s 3s]", limits)
	}
	err = d.Execute(context.Background(), call) // runs past the end
	var te *messages.TimeoutError
	if !errors.As(err, &te) || te.Pattern != timeout.DeadlineKind || te.Reason != timeout.ReasonCancelled {
		t.Fatalf("got %v, want the deadline exceeded", err)
	}
	called := false
	_, err = timeout.DoDeadline(context.Background(), d, func(context.Context) (int, error) { called = true; return 1, nil })
	if !errors.As(err, &te) || te.Reason != timeout.ReasonExpired || called || !d.Expired() || d.Remaining() != 0 {
		t.Fatalf("got %v (called %v), want expired without calling", err, called)
	}
	if want := `deadline "request": deadline already expired`; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

func TestPoliciesInComposition(t *testing.T) {
	eng, clock := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: true})
	d, err := timeout.NewDeadline(eng, "req", timeout.DeadlineConfig{At: epoch.Add(time.Second), Cooperative: true})
	if err != nil {
		t.Fatal(err)
	}
	var limits []time.Duration
	fn := func(ctx context.Context) (int, error) {
		dl, _ := ctx.Deadline()
		limits = append(limits, dl.Sub(clock.Now()))
		return 1, nil
	}
	c := engine.Chain(engine.UsePolicy[int](timeout.ForDeadline[int](d)), engine.UsePolicy[int](timeout.For[int](to)))
	clock.Advance(400 * time.Millisecond)
	if v, err := c.Get(context.Background(), fn); v != 1 || err != nil {
		t.Fatalf("got %v, %v; want 1, nil", v, err)
	}
	if len(limits) != 1 || limits[0] != 600*time.Millisecond {
		t.Fatalf("function saw %v left, want the deadline's 600ms (earlier than the 1s timeout)", limits)
	}
	clock.Advance(time.Second)
	if _, err := c.Get(context.Background(), fn); !errors.Is(err, timeout.ErrTimeout) || len(limits) != 1 {
		t.Fatalf("got %v, want the expired deadline before the call", err)
	}
}
