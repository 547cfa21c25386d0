package bulkhead_test

import (
	"context"
	"testing"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// A misused Release — the same permit twice, a zero Permit, a permit of
// another bulkhead — frees nothing: at MaxConcurrent 3 a fourth caller is
// still refused, and the misuse is counted.
func TestMisusedReleaseFreesNothing(t *testing.T) {
	for _, tc := range []struct {
		name   string
		misuse func(t *testing.T, b, other *bulkhead.Bulkhead, held []engine.Permit)
	}{
		{"double release", func(t *testing.T, b, _ *bulkhead.Bulkhead, held []engine.Permit) {
			b.Release(held[0], messages.Success)
			p, err := b.Acquire(context.Background()) // takes the slot held[0] gave back
			if err != nil {
				t.Fatalf("Acquire after a release: %v", err)
			}
			first := held[0]
			held[0] = p
			b.Release(first, messages.Success) // again
		}},
		{"zero permit", func(_ *testing.T, b, _ *bulkhead.Bulkhead, _ []engine.Permit) {
			b.Release(engine.Permit{}, messages.Success)
		}},
		{"foreign permit", func(t *testing.T, b, other *bulkhead.Bulkhead, _ []engine.Permit) {
			p, err := other.Acquire(context.Background())
			if err != nil {
				t.Fatalf("other.Acquire: %v", err)
			}
			b.Release(p, messages.Success)
			other.Release(p, messages.Success)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, eng := newBulkhead(t, bulkhead.Config{MaxConcurrent: 3})
			other, err := bulkhead.New(eng, "other", bulkhead.Config{MaxConcurrent: 3})
			if err != nil {
				t.Fatal(err)
			}
			held := make([]engine.Permit, 3)
			for i := range held {
				if held[i], err = b.Acquire(context.Background()); err != nil {
					t.Fatalf("Acquire #%d: %v", i+1, err)
				}
			}
			tc.misuse(t, b, other, held)
			if p, err := b.Acquire(context.Background()); err == nil {
				b.Release(p, messages.Success)
				t.Fatalf("a fourth Acquire at MaxConcurrent 3: got a permit, want ErrFull")
			}
			if _, ok := b.TryAcquire(); ok {
				t.Fatalf("a fourth TryAcquire at MaxConcurrent 3: got a permit, want none")
			}
			st := stats(t, b)
			if st.Active != 3 || st.Misused != 1 {
				t.Fatalf("Active, Misused: got %d, %d, want 3, 1", st.Active, st.Misused)
			}
			if st := stats(t, other); st.Active != 0 || st.Misused != 0 {
				t.Fatalf("the other bulkhead's Active, Misused: got %d, %d, want 0, 0", st.Active, st.Misused)
			}
			for _, p := range held {
				b.Release(p, messages.Success)
			}
			if st := stats(t, b); st.Active != 0 {
				t.Fatalf("Active after releasing every permit: got %d, want 0", st.Active)
			}
		})
	}
}
