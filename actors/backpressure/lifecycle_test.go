package backpressure_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/messages"
)

// A nil function is an error wrapping messages.ErrInvalidConfig and adds
// no item.
func TestNilFunc(t *testing.T) {
	m, _, _ := newGate(t, backpressure.Config{MaxInFlight: 2})
	ctx := context.Background()
	waitqtest.WantErr(t, messages.ErrInvalidConfig,
		waitqtest.Call{Name: "Execute", Do: func() error { return m.Execute(ctx, nil) }},
		waitqtest.Call{Name: "Do", Do: func() error { _, err := backpressure.Do[int](ctx, m, nil); return err }},
	)
	want(t, m, 0, 0, false)
}

// After Engine.Shutdown every handle returns messages.ErrStopped, also
// with the gate open, and a permit granted before still releases.
func TestStoppedHandles(t *testing.T) {
	m, _, eng := newGate(t, backpressure.Config{MaxInFlight: 10})
	ctx := context.Background()
	p, err := m.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	m.Release(p, messages.Success) // never blocks
	ran := false
	waitqtest.WantErr(t, messages.ErrStopped,
		waitqtest.Call{Name: "Acquire", Do: func() error { _, err := m.Acquire(ctx); return err }},
		waitqtest.Call{Name: "AcquireWait", Do: func() error { _, err := m.AcquireWait(ctx, 0); return err }},
		waitqtest.Call{Name: "AcquireNow", Do: func() error { _, err := m.AcquireNow(ctx); return err }},
		waitqtest.Call{Name: "Execute", Do: func() error { return m.Execute(ctx, func(context.Context) error { ran = true; return nil }) }},
		waitqtest.Call{Name: "Do", Do: func() error {
			_, err := backpressure.Do(ctx, m, func(context.Context) (int, error) { ran = true; return 1, nil })
			return err
		}},
		waitqtest.Call{Name: "Stats", Do: func() error { _, err := m.Stats(ctx); return err }},
		waitqtest.Call{Name: "New", Do: func() error { _, err := backpressure.New(eng, "late", backpressure.Config{}); return err }},
	)
	if ran {
		t.Error("a function ran after Shutdown")
	}
}
