package bulkhead_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/messages"
)

// A nil function is an error wrapping messages.ErrInvalidConfig, from
// Execute and Do alike, and takes no slot.
func TestNilFunc(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxConcurrent: 1})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Execute", func() error { return b.Execute(ctx, nil) }},
		{"Do", func() error { _, err := bulkhead.Do[int](ctx, b, nil); return err }},
	} {
		var ce *messages.ConfigError
		if err := tc.call(); !errors.As(err, &ce) || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("%s(ctx, nil): got %v, want a *ConfigError wrapping ErrInvalidConfig", tc.name, err)
		}
	}
	if st := stats(t, b); st.Active != 0 || st.Accepted != 0 {
		t.Fatalf("active, accepted: got %d, %d, want 0, 0", st.Active, st.Accepted)
	}
}

// After Engine.Shutdown every handle returns messages.ErrStopped, also
// with slots free, and a permit granted before still releases.
func TestStoppedHandles(t *testing.T) {
	b, _, eng := newBulkhead(t, bulkhead.Config{MaxConcurrent: 2})
	ctx := context.Background()
	p, err := b.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	b.Release(p, messages.Success) // never blocks
	ran := false
	fn := func(context.Context) error { ran = true; return nil }
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"Acquire", func() error { _, err := b.Acquire(ctx); return err }},
		{"Execute", func() error { return b.Execute(ctx, fn) }},
		{"Do", func() error {
			_, err := bulkhead.Do(ctx, b, func(context.Context) (int, error) { ran = true; return 1, nil })
			return err
		}},
		{"Stats", func() error { _, err := b.Stats(ctx); return err }},
		{"New", func() error { _, err := bulkhead.New(eng, "late", bulkhead.Config{}); return err }},
	} {
		if err := tc.call(); !errors.Is(err, messages.ErrStopped) {
			t.Errorf("%s after Shutdown: got %v, want ErrStopped", tc.name, err)
		}
	}
	if _, ok := b.TryAcquire(); ok {
		t.Error("TryAcquire after Shutdown: got a permit, want none")
	}
	if ran {
		t.Error("a function ran after Shutdown")
	}
}
