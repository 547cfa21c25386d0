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

// newPair makes a 1 s Timeout and a Deadline 1 s after epoch on a fake
// clock.
func newPair(t *testing.T, coop bool) (*engine.Engine, *timeout.Timeout, *timeout.Deadline) {
	t.Helper()
	eng, _ := newEngine(t)
	to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: coop})
	d, err := timeout.NewDeadline(eng, "d", timeout.DeadlineConfig{At: epoch.Add(time.Second), Cooperative: coop})
	if err != nil {
		t.Fatal(err)
	}
	return eng, to, d
}

// After the engine's Shutdown, every Timeout and Deadline made with it
// returns ErrStopped without running the function, in both modes and
// through every entry point.
func TestStoppedEngineRunsNothing(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			eng, to, d := newPair(t, m.coop)
			if err := eng.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			calls := 0
			fn := func(context.Context) (int, error) { calls++; return 1, nil }
			ctx := context.Background()
			entries := []struct {
				name string
				run  func() (int, error)
			}{
				{"Timeout.Execute", func() (int, error) {
					return 0, to.Execute(ctx, func(ctx context.Context) error { _, err := fn(ctx); return err })
				}},
				{"Do", func() (int, error) { return timeout.Do(ctx, to, fn) }},
				{"For", func() (int, error) { return engine.Chain(engine.UsePolicy(timeout.For[int](to))).Get(ctx, fn) }},
				{"Deadline.Execute", func() (int, error) {
					return 0, d.Execute(ctx, func(ctx context.Context) error { _, err := fn(ctx); return err })
				}},
				{"DoDeadline", func() (int, error) { return timeout.DoDeadline(ctx, d, fn) }},
				{"ForDeadline", func() (int, error) {
					return engine.Chain(engine.UsePolicy(timeout.ForDeadline[int](d))).Get(ctx, fn)
				}},
			}
			for _, e := range entries {
				v, err := e.run()
				if v != 0 || !errors.Is(err, messages.ErrStopped) {
					t.Errorf("%s: got %v, %v; want 0, ErrStopped", e.name, v, err)
				}
			}
			if calls != 0 {
				t.Fatalf("got %d calls of the function, want 0", calls)
			}
			if _, err := to.Stats(ctx); !errors.Is(err, messages.ErrStopped) {
				t.Errorf("Timeout.Stats: got %v, want ErrStopped", err)
			}
			if _, err := d.Stats(ctx); !errors.Is(err, messages.ErrStopped) {
				t.Errorf("Deadline.Stats: got %v, want ErrStopped", err)
			}
		})
	}
}

type ctxKey struct{}

// The context a function received keeps its parent's values after the
// call returned, as context.WithTimeout's does.
func TestCallContextKeepsValuesAfterReturn(t *testing.T) {
	for _, m := range modes {
		for _, waits := range []bool{false, true} {
			t.Run(m.name, func(t *testing.T) {
				eng, _ := newEngine(t)
				to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: m.coop})
				parent := context.WithValue(context.Background(), ctxKey{}, "v")
				var kept context.Context
				err := to.Execute(parent, func(ctx context.Context) error {
					if waits {
						_ = ctx.Done() // makes the cooperative mode's derived context
					}
					kept = ctx
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				got := []any{kept.Value(ctxKey{}), context.WithoutCancel(kept).Value(ctxKey{})}
				if got[0] != "v" || got[1] != "v" {
					t.Fatalf("waits %v: got values %v after return, want [v v]", waits, got)
				}
				if kept.Err() == nil || context.Cause(kept) == nil {
					t.Fatalf("waits %v: got a live context after return, want it ended", waits)
				}
			})
		}
	}
}

// A caller whose context ended before the call returned gets ctx.Err(),
// whatever the function returned, and the function's own error is kept
// alongside (errors.Is finds both).
func TestCallerWhoGaveUpGetsContextError(t *testing.T) {
	errBackend := errors.New("backend")
	for _, m := range modes {
		for _, ret := range []error{nil, errBackend} {
			t.Run(m.name, func(t *testing.T) {
				eng, _ := newEngine(t)
				to := newTimeout(t, eng, timeout.Config{Timeout: time.Second, Cooperative: m.coop})
				ctx, cancel := context.WithCancel(context.Background())
				v, err := timeout.Do(ctx, to, func(fctx context.Context) (int, error) {
					cancel()
					<-fctx.Done()
					return 7, ret
				})
				if v != 0 || !errors.Is(err, context.Canceled) {
					t.Fatalf("function returned 7, %v: got %v, %v; want 0, context.Canceled", ret, v, err)
				}
				if ret != nil && m.coop && !errors.Is(err, errBackend) {
					t.Fatalf("got %v, want the function's error kept", err)
				}
			})
		}
	}
}

// A nil function is an error that names it, not a nil dereference.
func TestNilFunction(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			_, to, d := newPair(t, m.coop)
			ctx := context.Background()
			_, errDo := timeout.Do[int](ctx, to, nil)
			_, errBefore := timeout.DoDeadline[int](ctx, d, nil)
			for i, err := range []error{to.Execute(ctx, nil), errDo, d.Execute(ctx, nil), errBefore} {
				var ce *messages.ConfigError
				if !errors.Is(err, messages.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != "fn" {
					t.Errorf("entry %d: got %v, want a ConfigError for fn", i, err)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  timeout.Config
		want bool // valid
	}{
		{timeout.Config{}, true},
		{timeout.Config{Timeout: timeout.LargestTimeout}, true},
		{timeout.Config{Timeout: timeout.LargestTimeout + 1}, false},
		{timeout.Config{Timeout: -1}, false},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		_, newErr := timeout.New(nil, "v", tt.cfg)
		var ce *messages.ConfigError
		if got := err == nil; got != tt.want || (err != nil && (!errors.As(err, &ce) || ce.Field != "Timeout")) || (newErr == nil) != tt.want {
			t.Errorf("%+v: got Validate %v, New %v; want valid %v", tt.cfg, err, newErr, tt.want)
		}
	}
	if err := (timeout.DeadlineConfig{}).Validate(); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Errorf("DeadlineConfig{}: got %v, want a ConfigError for At", err)
	}
}

// A caller whose context had already ended runs nothing.
func TestEndedContextRunsNothing(t *testing.T) {
	for _, m := range modes {
		_, to, d := newPair(t, m.coop)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := 0
		fn := func(context.Context) (int, error) { calls++; return 1, nil }
		_, err1 := timeout.Do(ctx, to, fn)
		_, err2 := timeout.DoDeadline(ctx, d, fn)
		if err1 != context.Canceled || err2 != context.Canceled || calls != 0 {
			t.Errorf("%s: got %v, %v after %d calls; want context.Canceled twice, no call", m.name, err1, err2, calls)
		}
	}
}
