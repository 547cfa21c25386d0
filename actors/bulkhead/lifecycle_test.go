package bulkhead_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/internal/waitq/waitqtest"
	"github.com/bulwark-go/bulwark/messages"
)

// A nil function is an error wrapping messages.ErrInvalidConfig, from
// Execute and Do alike, and takes no slot.
func TestNilFunc(t *testing.T) {
	b, _, _ := newBulkhead(t, bulkhead.Config{MaxInFlight: 1})
	ctx := context.Background()
	waitqtest.WantErr(t, messages.ErrInvalidConfig,
		waitqtest.Call{Name: "Execute", Do: func() error { return b.Execute(ctx, nil) }},
		waitqtest.Call{Name: "Do", Do: func() error { _, err := bulkhead.Do[int](ctx, b, nil); return err }},
	)
	if st := stats(t, b); st.InFlight != 0 || st.Accepted != 0 {
		t.Fatalf("active, accepted: got %d, %d, want 0, 0", st.InFlight, st.Accepted)
	}
}

// After Engine.Shutdown every handle returns messages.ErrStopped, also
// with slots free, and a permit granted before still releases.
func TestStoppedHandles(t *testing.T) {
	b, _, eng := newBulkhead(t, bulkhead.Config{MaxInFlight: 2})
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
	waitqtest.WantErr(t, messages.ErrStopped,
		waitqtest.Call{Name: "Acquire", Do: func() error { _, err := b.Acquire(ctx); return err }},
		waitqtest.Call{Name: "Execute", Do: func() error { return b.Execute(ctx, fn) }},
		waitqtest.Call{Name: "Do", Do: func() error {
			_, err := bulkhead.Do(ctx, b, func(context.Context) (int, error) { ran = true; return 1, nil })
			return err
		}},
		waitqtest.Call{Name: "Stats", Do: func() error { _, err := b.Stats(ctx); return err }},
		waitqtest.Call{Name: "New", Do: func() error { _, err := bulkhead.New(eng, "late", bulkhead.Config{}); return err }},
	)
	if _, ok := b.TryAcquire(); ok {
		t.Error("TryAcquire after Shutdown: got a permit, want none")
	}
	if ran {
		t.Error("a function ran after Shutdown")
	}
}
