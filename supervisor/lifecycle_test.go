package supervisor_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// hang bounds a wait that must end; reaching it is a hang, not a timing guess.
const hang = 10 * time.Second

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  supervisor.Options
		field string // "" when valid
	}{
		{"zero", supervisor.Options{}, ""},
		{"no restart", supervisor.Options{MaxRestarts: supervisor.NoRestart}, ""},
		{"largest", supervisor.Options{MaxRestarts: supervisor.LargestMaxRestarts, RestartWindow: supervisor.LargestRestartWindow}, ""},
		{"too many restarts", supervisor.Options{MaxRestarts: supervisor.LargestMaxRestarts + 1}, "MaxRestarts"},
		{"negative window", supervisor.Options{RestartWindow: -time.Second}, "RestartWindow"},
		{"window too long", supervisor.Options{RestartWindow: supervisor.LargestRestartWindow + 1}, "RestartWindow"},
	} {
		err := tc.opts.Validate()
		s, newErr := supervisor.New(tc.opts)
		var ce *messages.ConfigError
		switch {
		case tc.field == "" && (err != nil || newErr != nil):
			t.Errorf("%s: got %v / %v, want nil", tc.name, err, newErr)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field || !errors.As(newErr, &ce)):
			t.Errorf("%s: got %v / %v, want a ConfigError naming %s", tc.name, err, newErr, tc.field)
		}
		if s != nil {
			s.Shutdown(context.Background())
		}
	}
}

// TestNoRestart: with NoRestart the first failure marks the child Failed.
func TestNoRestart(t *testing.T) {
	s := start(t, supervisor.Options{MaxRestarts: supervisor.NoRestart})
	defer s.Shutdown(context.Background())
	var serves atomic.Int32
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "once",
		Start: func() (any, supervisor.Service, error) { return nil, flaky{serves: &serves, fails: 100}, nil }}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(hang)
	for {
		c, _ := s.Lookup("k", "once")
		if c.Status == supervisor.Failed {
			if c.Restarts != 0 || serves.Load() != 1 {
				t.Fatalf("got %d restarts and %d serves, want 0 and 1", c.Restarts, serves.Load())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never failed")
		}
		time.Sleep(time.Millisecond) // polling a status no clock decides
	}
}

// deaf ignores its context until its gate is closed; it takes lag to stop
// after that.
type deaf struct {
	gate <-chan struct{}
	lag  time.Duration
}

func (d deaf) Serve(ctx context.Context) error {
	<-ctx.Done()
	<-d.gate
	time.Sleep(d.lag) // the child's own slowness under test, not a wait for another goroutine
	return nil
}

func spawnDeaf(t *testing.T, s *supervisor.Supervisor, name string, d deaf) {
	t.Helper()
	if _, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "deaf", Name: name,
		Start: func() (any, supervisor.Service, error) { return nil, d, nil }}); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownBoundedByStuckChildren: children that ignore cancellation hold
// Shutdown only until its ctx ends (plus the short shared grace, however
// many they are); the error names each and wraps DeadlineExceeded.
func TestShutdownBoundedByStuckChildren(t *testing.T) {
	s := start(t, supervisor.Options{})
	gate := make(chan struct{})
	defer close(gate)
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, n := range names {
		spawnDeaf(t, s, n, deaf{gate: gate})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := s.Shutdown(ctx)
	if took := time.Since(began); took > 50*time.Millisecond+time.Second {
		t.Errorf("Shutdown took %v past a 50ms deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an error wrapping DeadlineExceeded", err)
	}
	for _, n := range names {
		if !strings.Contains(err.Error(), "deaf/"+n) {
			t.Errorf("error %q does not name deaf/%s", err, n)
		}
	}
}

// TestSlowChildWithinDeadlineIsNotStuck: a child that takes 30ms to return
// after it is cancelled, under a deadline of seconds, stopped in time.
func TestSlowChildWithinDeadlineIsNotStuck(t *testing.T) {
	s := start(t, supervisor.Options{})
	open := make(chan struct{})
	close(open)
	spawnDeaf(t, s, "slow", deaf{gate: open, lag: 30 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

// TestConcurrentShutdownBoundedByOwnContext: while a first Shutdown waits
// (no deadline) for a stuck child, a second call returns when its own ctx
// ends; once the child returns, both see the first call's result.
func TestConcurrentShutdownBoundedByOwnContext(t *testing.T) {
	s := start(t, supervisor.Options{})
	gate := make(chan struct{})
	spawnDeaf(t, s, "stuck", deaf{gate: gate})
	first := make(chan error, 1)
	go func() { first <- s.Shutdown(context.Background()) }()
	// The second call may start before the first: then it is the one that
	// does the work and it returns the stuck error by its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	second := make(chan error, 1)
	go func() { second <- s.Shutdown(ctx) }()
	select {
	case err := <-second:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second Shutdown: got %v, want DeadlineExceeded", err)
		}
	case <-time.After(hang):
		t.Fatal("the second Shutdown outlived its ctx")
	}
	close(gate)
	select {
	case <-first:
	case <-time.After(hang):
		t.Fatal("the first Shutdown never returned")
	}
}

// TestSlowStartHoldsOnlyItsName: while one child's Start runs (a pattern
// filling a table as large as its config says, say), the supervisor serves
// other names and look-ups; a caller of the same name gives up when its ctx
// ends, another waits and gets the handle; Shutdown waits for the Start
// only until its ctx ends and says so.
func TestSlowStartHoldsOnlyItsName(t *testing.T) {
	s := start(t, supervisor.Options{})
	gate, entered := make(chan struct{}), make(chan struct{})
	slow := supervisor.Spec{Kind: "k", Name: "slow", Config: 1, Start: func() (any, supervisor.Service, error) {
		close(entered)
		<-gate
		return "slow", idle{}, nil
	}}
	first := make(chan any, 1)
	go func() { h, _ := s.GetOrCreate(context.Background(), slow); first <- h }()
	<-entered
	other := make(chan error, 1)
	go func() {
		_, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "other",
			Start: func() (any, supervisor.Service, error) { return "other", idle{}, nil }})
		other <- err
	}()
	select {
	case err := <-other:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(hang):
		t.Fatal("a slow Start held the supervisor")
	}
	if _, ok := s.Lookup("k", "slow"); ok {
		t.Fatal("Lookup found a child whose Start has not returned")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.GetOrCreate(ctx, slow); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("same name while starting, short ctx: got %v, want DeadlineExceeded", err)
	}
	bad := slow
	bad.Config = 2
	var ce *supervisor.ConflictError
	if _, err := s.GetOrCreate(context.Background(), bad); !errors.As(err, &ce) {
		t.Fatalf("other config while starting: got %v, want a ConflictError", err)
	}
	second := make(chan any, 1)
	go func() { h, _ := s.GetOrCreate(context.Background(), slow); second <- h }()
	close(gate)
	if h1, h2 := <-first, <-second; h1 != "slow" || h2 != "slow" {
		t.Fatalf("waiters: got %v and %v, want the one handle", h1, h2)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownBoundedByStart(t *testing.T) {
	s := start(t, supervisor.Options{})
	gate, entered := make(chan struct{}), make(chan struct{})
	got := make(chan error, 1)
	go func() {
		_, err := s.GetOrCreate(context.Background(), supervisor.Spec{Kind: "k", Name: "slow", Start: func() (any, supervisor.Service, error) {
			close(entered)
			<-gate
			return nil, idle{}, nil
		}})
		got <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "Start") {
		t.Fatalf("got %v, want DeadlineExceeded naming a Start", err)
	}
	close(gate)
	if err := <-got; !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("the caller of the slow Start: got %v, want ErrStopped", err)
	}
}
