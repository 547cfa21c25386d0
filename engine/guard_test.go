package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Do releases the permit exactly once: with classify's outcome when fn
// returns (ClassifyError's when classify is nil), as a failure when fn
// panics, and not at all when Acquire refuses.
func TestDoReleasesOnce(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	ignore := func(error) messages.Outcome { return messages.Ignored }
	for _, tc := range []struct {
		name     string
		classify func(error) messages.Outcome
		fn       func(context.Context) (int, error)
		reject   error
		want     []messages.Outcome
		wantV    int
		wantErr  error
		panics   bool
	}{
		{name: "success", fn: func(context.Context) (int, error) { return 7, nil }, want: []messages.Outcome{messages.Success}, wantV: 7},
		{name: "failure", fn: func(context.Context) (int, error) { return 0, boom }, want: []messages.Outcome{messages.Failure}, wantErr: boom},
		{name: "classified", classify: ignore, fn: func(context.Context) (int, error) { return 0, boom }, want: []messages.Outcome{messages.Ignored}, wantErr: boom},
		{name: "panic", classify: ignore, fn: func(context.Context) (int, error) { panic("p") }, want: []messages.Outcome{messages.Failure}, panics: true},
		{name: "refused", reject: messages.ErrBulkheadFull, fn: func(context.Context) (int, error) { t.Error("fn ran"); return 0, nil }, wantErr: messages.ErrBulkheadFull},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &fakeGuard{name: "g", rec: &stageLog{}, reject: tc.reject}
			var v int
			var err error
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				v, err = engine.Do(ctx, g, tc.classify, tc.fn)
				return false
			}()
			if panicked != tc.panics {
				t.Fatalf("panicked: got %v, want %v", panicked, tc.panics)
			}
			if !slices.Equal(g.outcomes, tc.want) {
				t.Fatalf("outcomes: got %v, want %v", g.outcomes, tc.want)
			}
			if g.held.Load() != 0 {
				t.Fatalf("held: got %d, want 0", g.held.Load())
			}
			if !tc.panics && (v != tc.wantV || !errors.Is(err, tc.wantErr)) {
				t.Fatalf("got %v, %v; want %v, %v", v, err, tc.wantV, tc.wantErr)
			}
		})
	}
}

// Do with a nil guard or function is a ConfigError and runs nothing.
func TestDoNil(t *testing.T) {
	ctx := context.Background()
	ran := false
	fn := func(context.Context) (int, error) { ran = true; return 1, nil }
	for name, err := range map[string]error{
		"nil guard": second(engine.Do(ctx, nil, nil, fn)),
		"nil fn":    second(engine.Do[int](ctx, &fakeGuard{rec: &stageLog{}}, nil, nil)),
	} {
		var ce *messages.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: got %v, want a ConfigError", name, err)
		}
	}
	if ran {
		t.Fatal("fn ran")
	}
}

func second[T any](_ T, err error) error { return err }

// ExampleDo: a function that returns a value, run under a guard.
func ExampleDo() {
	g := &fakeGuard{name: "g", rec: &stageLog{}}
	v, err := engine.Do(context.Background(), g, nil, func(context.Context) (string, error) { return "ok", nil })
	fmt.Println(v, err, g.outcomes)
	// Output: ok <nil> [success]
}
