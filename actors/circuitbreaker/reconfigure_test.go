package circuitbreaker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

func reconfigure(t *testing.T, b *Breaker, cfg Config) {
	t.Helper()
	if err := b.Reconfigure(context.Background(), cfg); err != nil {
		t.Fatalf("Reconfigure(%+v): %v", cfg, err)
	}
}

func configEvents(t *testing.T, eng *engine.Engine) *eventstream.Subscription {
	t.Helper()
	return subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventConfigChanged}})
}

// A new RecoveryTimeout counts from the time the circuit opened: shorter,
// the open period shrinks; already past, the circuit goes HALF_OPEN at once.
func TestReconfigureOpenKeepsItsOpeningTime(t *testing.T) {
	eng, fc := newFake(t)
	events := configEvents(t, eng)
	cfg := Config{FailureThreshold: 2, RecoveryTimeout: time.Minute, HalfOpenLease: time.Hour}
	b := mustNew(t, eng, "open", cfg)
	openIt(t, b, 2)
	before := stats(t, b)
	fc.Advance(10 * time.Second)

	cfg.RecoveryTimeout = 30 * time.Second
	reconfigure(t, b, cfg)
	s := stats(t, b)
	if s.State != Open || s.OpenRemaining != 20*time.Second || s.Generation != before.Generation || s.Failed != 2 {
		t.Fatalf("got %v remaining %v gen %d failed %d; want open, 20s left, gen %d, 2 failed",
			s.State, s.OpenRemaining, s.Generation, s.Failed, before.Generation)
	}
	err := b.Execute(context.Background(), okFn)
	if wait, _ := messages.RetryAfter(err); !errors.Is(err, ErrOpen) || wait != 20*time.Second {
		t.Fatalf("got %v (retry after %v), want open with 20s", err, wait)
	}
	ev := next(t, events)
	if ev.Pattern != Kind || ev.Name != "open" || ev.Fields.OldState != "RecoveryTimeout=1m0s" || ev.Fields.NewState != "RecoveryTimeout=30s" {
		t.Fatalf("got %v, want config_changed RecoveryTimeout 1m0s → 30s", ev)
	}

	cfg.RecoveryTimeout = 5 * time.Second // opened 10 s ago
	reconfigure(t, b, cfg)
	if st, _ := b.State(); st != HalfOpen {
		t.Fatalf("got %v right after Reconfigure, want half_open", st)
	}
	if err := b.Execute(context.Background(), okFn); err != nil {
		t.Fatalf("trial: %v", err)
	}
}

// In CLOSED the run of failures and the window are kept, and judged
// against the new thresholds at once.
func TestReconfigureClosedJudgesTheNewThresholds(t *testing.T) {
	t.Run("run", func(t *testing.T) {
		eng, _ := newFake(t)
		cfg := Config{FailureThreshold: 5}
		b := mustNew(t, eng, "run", cfg)
		fail(t, b, 3)
		cfg.FailureThreshold = 4
		reconfigure(t, b, cfg)
		if s := stats(t, b); s.State != Closed || s.ConsecutiveFailures != 3 || s.Failed != 3 {
			t.Fatalf("got %v run %d failed %d, want closed with the run of 3 kept", s.State, s.ConsecutiveFailures, s.Failed)
		}
		cfg.FailureThreshold = 3
		sub := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventCircuitOpened}})
		reconfigure(t, b, cfg)
		if st, _ := b.State(); st != Open { // the snapshot, no round trip
			t.Fatalf("got %v, want open: the run of 3 meets the new threshold", st)
		}
		if ev := next(t, sub); ev.Fields.Reason != ReasonFailureThreshold {
			t.Fatalf("got %v, want circuit_opened by failure_threshold", ev)
		}
	})
	t.Run("window", func(t *testing.T) {
		eng, _ := newFake(t)
		cfg := Config{OpenAtFailureRate: 0.5, WindowSize: 10, MinimumCalls: 10}
		b := mustNew(t, eng, "window", cfg)
		for i := 0; i < 10; i++ { // 4 failures in 10: 0.4
			fn := okFn
			if i%5 < 2 {
				fn = failFn
			}
			_ = b.Execute(context.Background(), fn)
		}
		cfg.OpenAtFailureRate = 0.45
		reconfigure(t, b, cfg)
		if s := stats(t, b); s.State != Closed || s.WindowCalls != 10 || s.WindowFailureRate != 0.4 {
			t.Fatalf("got %v, window %d at %v; want closed with the window kept", s.State, s.WindowCalls, s.WindowFailureRate)
		}
		cfg.OpenAtFailureRate = 0.4
		reconfigure(t, b, cfg)
		if st, _ := b.State(); st != Open {
			t.Fatalf("got %v, want open: the window's 0.4 meets the new rate", st)
		}
	})
	t.Run("new window shape", func(t *testing.T) {
		eng, _ := newFake(t)
		cfg := Config{OpenAtFailureRate: 0.5, WindowSize: 10, MinimumCalls: 4}
		b := mustNew(t, eng, "shape", cfg)
		fail(t, b, 3)
		cfg.WindowSize = 20
		reconfigure(t, b, cfg)
		if s := stats(t, b); s.WindowCalls != 0 || s.Failed != 3 {
			t.Fatalf("got window of %d, %d failed; want an empty window and the counts kept", s.WindowCalls, s.Failed)
		}
		fail(t, b, 3)
		if s := stats(t, b); s.State != Closed || s.WindowCalls != 3 {
			t.Fatalf("got %v with %d calls, want closed: 3 calls are under MinimumCalls", s.State, s.WindowCalls)
		}
	})
	t.Run("time window shape", func(t *testing.T) {
		eng, _ := newFake(t)
		cfg := Config{OpenAtFailureRate: 0.9, WindowType: TimeBased, WindowDuration: 10 * time.Second, MinimumCalls: 1}
		b := mustNew(t, eng, "timed", cfg)
		succeed(t, b, 4)
		cfg.OpenAtFailureRate = 0.8
		reconfigure(t, b, cfg)
		if s := stats(t, b); s.WindowCalls != 4 {
			t.Fatalf("got %d calls in the window, want the 4 kept", s.WindowCalls)
		}
		cfg.WindowDuration = 20 * time.Second
		reconfigure(t, b, cfg)
		if s := stats(t, b); s.WindowCalls != 0 || s.Succeeded != 4 {
			t.Fatalf("got %d calls in the window, %d ok; want none and 4", s.WindowCalls, s.Succeeded)
		}
		succeed(t, b, 2)
		fail(t, b, 1)
		if s := stats(t, b); s.WindowCalls != 3 || s.State != Closed {
			t.Fatalf("got %d calls in the window (%v), want 3 and closed", s.WindowCalls, s.State)
		}
	})
}

// In HALF_OPEN the trials in flight finish; a smaller HalfOpenMaxCalls
// admits none until fewer than it are in flight, and trials already
// reported are judged against a new SuccessThreshold.
func TestReconfigureHalfOpenTrials(t *testing.T) {
	eng, fc := newFake(t)
	cfg := Config{FailureThreshold: 1, SuccessThreshold: 5, RecoveryTimeout: time.Second,
		HalfOpenMaxCalls: 3, HalfOpenLease: time.Hour}
	b := mustNew(t, eng, "trials", cfg)
	openIt(t, b, 1)
	fc.Advance(time.Second)
	ctx := context.Background()
	var trials []engine.Permit
	for i := 0; i < 3; i++ {
		p, err := b.Acquire(ctx)
		if err != nil {
			t.Fatalf("trial %d: %v", i, err)
		}
		trials = append(trials, p)
	}
	cfg.HalfOpenMaxCalls = 1
	reconfigure(t, b, cfg)
	if s := stats(t, b); s.State != HalfOpen || s.HalfOpenInFlight != 3 {
		t.Fatalf("got %v with %d trials, want half_open with the 3 kept", s.State, s.HalfOpenInFlight)
	}
	for i := 0; i < 3; i++ {
		if _, err := b.Acquire(ctx); !errors.Is(err, ErrOpen) {
			t.Fatalf("with %d trials in flight: got %v, want half_open_full", 3-i, err)
		}
		b.Release(trials[i], messages.Success)
	}
	p, err := b.Acquire(ctx)
	if err != nil {
		t.Fatalf("no trial in flight: %v", err)
	}
	if _, err := b.Acquire(ctx); !errors.Is(err, ErrOpen) {
		t.Fatalf("got %v, want half_open_full at 1 trial", err)
	}
	b.Release(p, messages.Success)
	if s := stats(t, b); s.State != HalfOpen || s.ConsecutiveSuccesses != 4 {
		t.Fatalf("got %v with %d successes, want half_open with 4", s.State, s.ConsecutiveSuccesses)
	}
	cfg.SuccessThreshold = 4
	reconfigure(t, b, cfg)
	if st, _ := b.State(); st != Closed {
		t.Fatalf("got %v, want closed: 4 trial successes meet the new threshold", st)
	}
}

// An identical config (however it is spelled) publishes nothing and
// resets nothing; a changed one publishes one event naming what changed.
func TestReconfigureIdentical(t *testing.T) {
	eng, _ := newFake(t)
	events := configEvents(t, eng)
	b := mustNew(t, eng, "same", Config{FailureThreshold: 3})
	fail(t, b, 2)
	before := stats(t, b)
	reconfigure(t, b, Config{FailureThreshold: 3, SuccessThreshold: DefaultSuccessThreshold, MailboxSize: DefaultMailboxSize})
	if s := stats(t, b); s != before {
		t.Fatalf("got %+v after an identical config, want %+v", s, before)
	}
	select {
	case ev := <-events.C():
		t.Fatalf("an identical config published %v", ev)
	default:
	}
	fail(t, b, 1)
	if st, _ := b.State(); st != Open {
		t.Fatalf("got %v, want open: the run of 2 was kept", st)
	}
}

// After Reconfigure the registry holds the new config: New with it returns
// the same breaker, New with the old one is a conflict.
func TestReconfigureRegistry(t *testing.T) {
	eng, _ := newFake(t)
	old := Config{FailureThreshold: 3}
	b := mustNew(t, eng, "reg", old)
	now := Config{FailureThreshold: 4, Timeout: time.Second}
	reconfigure(t, b, now)
	if got := mustNew(t, eng, "reg", now); got != b {
		t.Fatal("New with the new config returned another breaker")
	}
	var ce *supervisor.ConflictError
	if _, err := New(eng, "reg", old); !errors.As(err, &ce) {
		t.Fatalf("New with the old config: got %v, want a ConflictError", err)
	}
	if c := b.Config(); c.FailureThreshold != 4 || c.Timeout != time.Second || c.HalfOpenLease != time.Second {
		t.Fatalf("Config() = %+v, want the new one with its defaults", c)
	}
}

// A bad config, or one that changes MailboxSize, is a ConfigError and
// applies nothing; a context already ended applies nothing; after Shutdown
// it is ErrStopped.
func TestReconfigureRefusals(t *testing.T) {
	eng, _ := newFake(t)
	events := configEvents(t, eng)
	b := mustNew(t, eng, "bad", Config{FailureThreshold: 3})
	for _, c := range []struct {
		cfg   Config
		field string
	}{
		{Config{FailureThreshold: -1}, "FailureThreshold"},
		{Config{OpenAtFailureRate: 2}, "OpenAtFailureRate"},
		{Config{WindowSize: 5, MinimumCalls: 6, OpenAtFailureRate: 0.5}, "MinimumCalls"},
		{Config{FailureThreshold: 3, MailboxSize: 16}, "MailboxSize"},
	} {
		err := b.Reconfigure(context.Background(), c.cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field {
			t.Fatalf("%+v: got %v, want a ConfigError naming %s", c.cfg, err, c.field)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Reconfigure(ctx, Config{FailureThreshold: 9}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended context: got %v, want context.Canceled", err)
	}
	if c := b.Config(); c.FailureThreshold != 3 {
		t.Fatalf("got FailureThreshold %d, want 3: nothing applied", c.FailureThreshold)
	}
	select {
	case ev := <-events.C():
		t.Fatalf("a refused config published %v", ev)
	default:
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Reconfigure(context.Background(), Config{FailureThreshold: 9}); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("after Shutdown: got %v, want ErrStopped", err)
	}
}

// A restart of the actor after a panic keeps the config Reconfigure set.
func TestReconfigureSurvivesRestart(t *testing.T) {
	eng, _ := newFake(t)
	b := mustNew(t, eng, "restart", Config{FailureThreshold: 5})
	reconfigure(t, b, Config{FailureThreshold: 1})
	// An opReconfigure without a config makes the actor panic: the
	// supervisor restarts it with a fresh machine.
	var pe *messages.PanicError
	if _, err := b.actor.Ask(context.Background(), request{op: opReconfigure}); !errors.As(err, &pe) {
		t.Fatalf("got %v, want the actor's panic", err)
	}
	s := stats(t, b)
	if s.Generation < 2 {
		t.Fatalf("got generation %d, want a restarted machine", s.Generation)
	}
	fail(t, b, 1)
	if s := stats(t, b); s.State != Open || b.Config().FailureThreshold != 1 {
		t.Fatalf("got %v (FailureThreshold %d), want open after one failure: the restart kept the new config",
			s.State, b.Config().FailureThreshold)
	}
}

// The config_changed event names every field that changed, defaults
// included.
func TestReconfigureEventNamesTheFields(t *testing.T) {
	eng, _ := newFake(t)
	events := configEvents(t, eng)
	b := mustNew(t, eng, "ev", Config{FailureThreshold: 3, RecoveryTimeout: time.Minute})
	reconfigure(t, b, Config{FailureThreshold: 4, RecoveryTimeout: time.Minute, Timeout: time.Second})
	ev := next(t, events)
	for _, want := range []string{"FailureThreshold=3", "Timeout=0s", "HalfOpenLease=1m0s"} {
		if !strings.Contains(ev.Fields.OldState, want) {
			t.Fatalf("old %q lacks %q", ev.Fields.OldState, want)
		}
	}
	for _, want := range []string{"FailureThreshold=4", "Timeout=1s", "HalfOpenLease=1s"} {
		if !strings.Contains(ev.Fields.NewState, want) {
			t.Fatalf("new %q lacks %q", ev.Fields.NewState, want)
		}
	}
}

// A change of state that Reconfigure causes is published before its
// config_changed event.
func TestReconfigureEventOrder(t *testing.T) {
	eng, _ := newFake(t)
	sub := subscribe(t, eng, eventstream.Filter{Types: []eventstream.Type{eventstream.EventStateChange, eventstream.EventConfigChanged}})
	b := mustNew(t, eng, "order", Config{FailureThreshold: 3})
	fail(t, b, 2)
	reconfigure(t, b, Config{FailureThreshold: 2})
	if ev := next(t, sub); ev.Type != eventstream.EventStateChange || ev.Fields.NewState != "open" || ev.Fields.Reason != ReasonFailureThreshold {
		t.Fatalf("first: got %v, want state_change to open by failure_threshold", ev)
	}
	if ev := next(t, sub); ev.Type != eventstream.EventConfigChanged || ev.Fields.NewState != "FailureThreshold=2" {
		t.Fatalf("second: got %v, want config_changed FailureThreshold=2", ev)
	}
}
