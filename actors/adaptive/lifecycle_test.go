package adaptive_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/adaptive"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/messages"
)

// A nil function is an error wrapping messages.ErrInvalidConfig and takes
// no permit.
func TestNilFunc(t *testing.T) {
	l, _, _ := newLimiter(t, adaptive.Config{})
	ctx := context.Background()
	waitqtest.WantErr(t, messages.ErrInvalidConfig,
		waitqtest.Call{Name: "Execute", Do: func() error { return l.Execute(ctx, nil) }},
		waitqtest.Call{Name: "Do", Do: func() error { _, err := adaptive.Do[int](ctx, l, nil); return err }},
	)
	if st := stats(t, l); st.InFlight != 0 || st.Completed != 0 {
		t.Fatalf("in flight, completed: got %d, %d, want 0, 0", st.InFlight, st.Completed)
	}
}

// After Engine.Shutdown every handle returns messages.ErrStopped, and a
// permit granted before still releases.
func TestStoppedHandles(t *testing.T) {
	l, _, eng := newLimiter(t, adaptive.Config{})
	ctx := context.Background()
	p, err := l.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	l.Release(p, messages.Success) // never blocks
	ran := false
	waitqtest.WantErr(t, messages.ErrStopped,
		waitqtest.Call{Name: "Acquire", Do: func() error { _, err := l.Acquire(ctx); return err }},
		waitqtest.Call{Name: "Execute", Do: func() error { return l.Execute(ctx, func(context.Context) error { ran = true; return nil }) }},
		waitqtest.Call{Name: "Do", Do: func() error {
			_, err := adaptive.Do(ctx, l, func(context.Context) (int, error) { ran = true; return 1, nil })
			return err
		}},
		waitqtest.Call{Name: "Stats", Do: func() error { _, err := l.Stats(ctx); return err }},
		waitqtest.Call{Name: "New", Do: func() error { _, err := adaptive.New(eng, "late", adaptive.Config{}); return err }},
	)
	if ran {
		t.Error("a function ran after Shutdown")
	}
}
