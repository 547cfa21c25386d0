package backpressure_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/backpressure"
	"github.com/bulwark-go/bulwark/messages"
)

// A nil function is an error wrapping messages.ErrInvalidConfig and adds
// no item.
func TestNilFunc(t *testing.T) {
	m, _, _ := newManager(t, backpressure.Config{MaxPending: 2})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Execute", func() error { return m.Execute(ctx, nil) }},
		{"Do", func() error { _, err := backpressure.Do[int](ctx, m, nil); return err }},
	} {
		if err := tc.call(); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("%s(ctx, nil): got %v, want an error wrapping ErrInvalidConfig", tc.name, err)
		}
	}
	want(t, m, 0, 0, false)
}

// After Engine.Shutdown every handle returns messages.ErrStopped, also
// with the gate open, and a permit granted before still releases.
func TestStoppedHandles(t *testing.T) {
	m, _, eng := newManager(t, backpressure.Config{MaxPending: 10})
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
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Acquire", func() error { _, err := m.Acquire(ctx); return err }},
		{"AcquireWait", func() error { _, err := m.AcquireWait(ctx, backpressure.UntilCanceled); return err }},
		{"Execute", func() error { return m.Execute(ctx, func(context.Context) error { ran = true; return nil }) }},
		{"Do", func() error {
			_, err := backpressure.Do(ctx, m, func(context.Context) (int, error) { ran = true; return 1, nil })
			return err
		}},
		{"Stats", func() error { _, err := m.Stats(ctx); return err }},
		{"New", func() error { _, err := backpressure.New(eng, "late", backpressure.Config{}); return err }},
	} {
		if err := tc.call(); !errors.Is(err, messages.ErrStopped) {
			t.Errorf("%s after Shutdown: got %v, want ErrStopped", tc.name, err)
		}
	}
	if ran {
		t.Error("a function ran after Shutdown")
	}
}
