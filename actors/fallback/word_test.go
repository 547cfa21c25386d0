package fallback_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// After the engine's Shutdown a Fallback made with it runs nothing, not
// even its fallbacks, and returns ErrStopped.
func TestStoppedEngineServesNothing(t *testing.T) {
	eng := enginetest.Start(t)
	fbCalls := 0
	f, err := fallback.New(eng, "test", fallback.Config[string]{Chain: []fallback.Func[string]{fails(nil, &fbCalls)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := 0
	fn := func(context.Context) (string, error) { calls++; return "", errPrimary }
	ctx := context.Background()
	v1, err1 := f.Do(ctx, fn)
	v2, err2 := engine.Chain(engine.UsePolicy[string](f)).Get(ctx, fn)
	if v1 != "" || v2 != "" || !errors.Is(err1, messages.ErrStopped) || !errors.Is(err2, messages.ErrStopped) || calls+fbCalls != 0 {
		t.Fatalf("got %q, %v and %q, %v after %d+%d calls; want ErrStopped twice, no call", v1, err1, v2, err2, calls, fbCalls)
	}
	if _, err := f.Stats(ctx); !errors.Is(err, messages.ErrStopped) {
		t.Fatalf("Stats: got %v, want ErrStopped", err)
	}
}

// A primary that fails with ErrStopped (a handle of a stopped engine
// below) is not answered by default; Config.On can choose to.
func TestStoppedPrimaryIsNotServedByDefault(t *testing.T) {
	stopped := fmt.Errorf("breaker: %w", messages.ErrStopped)
	tests := []struct {
		name    string
		on      func(error) bool
		wantV   string
		wantErr error
	}{
		{"default", nil, "", messages.ErrStopped},
		{"On takes it", func(error) bool { return true }, "fb", nil},
	}
	for _, tt := range tests {
		f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("fb")}, On: tt.on})
		v, err := f.Do(context.Background(), primary(stopped))
		if v != tt.wantV || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, v, err, tt.wantV, tt.wantErr)
		}
	}
}

// A caller who gave up gets the context's error: no fallback runs, the
// primary's own error is kept alongside, and a primary that succeeded
// after the context ended does not count as an answer.
func TestCallerWhoGaveUp(t *testing.T) {
	tests := []struct {
		name    string
		ret     error
		wantErr []error
	}{
		{"primary failed", errPrimary, []error{context.Canceled, errPrimary}},
		{"primary succeeded late", nil, []error{context.Canceled}},
	}
	for _, tt := range tests {
		fbCalls := 0
		f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fails(nil, &fbCalls)}})
		ctx, cancel := context.WithCancel(context.Background())
		v, err := f.Do(ctx, func(context.Context) (string, error) { cancel(); return "late", tt.ret })
		for _, want := range tt.wantErr {
			if !errors.Is(err, want) {
				t.Errorf("%s: got %v, want it to match %v", tt.name, err, want)
			}
		}
		if v != "" || fbCalls != 0 {
			t.Errorf("%s: got %q after %d fallback calls, want \"\" and none", tt.name, v, fbCalls)
		}
	}
}

// A nil function is an error that names it, not a nil dereference.
func TestNilFunction(t *testing.T) {
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("fb")}})
	v, err := f.Do(context.Background(), nil)
	var ce *messages.ConfigError
	if v != "" || !errors.As(err, &ce) || ce.Field != "fn" || !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("got %q, %v; want a ConfigError for fn", v, err)
	}
}

// A caller whose context had already ended runs nothing: no primary, no
// fallback.
func TestEndedContextRunsNothing(t *testing.T) {
	fbCalls, calls := 0, 0
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fails(nil, &fbCalls)}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fn := func(context.Context) (string, error) { calls++; return "", errPrimary }
	v1, err1 := f.Do(ctx, fn)
	v2, err2 := engine.Chain(engine.UsePolicy[string](f)).Get(ctx, fn)
	if v1 != "" || v2 != "" || err1 != context.Canceled || err2 != context.Canceled || calls+fbCalls != 0 {
		t.Fatalf("got %q, %v and %q, %v after %d+%d calls; want context.Canceled twice, no call", v1, err1, v2, err2, calls, fbCalls)
	}
}
