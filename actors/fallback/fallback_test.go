package fallback_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/fallback"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

var (
	errPrimary = errors.New("primary failed")
	errFB1     = errors.New("fb1 failed")
	errFB2     = errors.New("fb2 failed")
	errOther   = errors.New("type error")
)

func primary(err error) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		if err != nil {
			return "", err
		}
		return "primary", nil
	}
}

func fails(err error, calls *int) fallback.Func[string] {
	return func(context.Context, error) (string, error) { *calls++; return "", err }
}

func newFallback(t *testing.T, cfg fallback.Config[string]) *fallback.Fallback[string] {
	t.Helper()
	f, err := fallback.New(nil, "test", cfg)
	if err != nil {
		t.Fatalf("fallback.New: %v", err)
	}
	return f
}

func TestFallback(t *testing.T) {
	var fb1, fb2 int
	var seen error
	fromErr := func(_ context.Context, err error) (string, error) { seen = err; return "from " + err.Error(), nil }
	onlyPrimary := func(err error) bool { return errors.Is(err, errPrimary) }
	tests := []struct {
		name    string
		cfg     fallback.Config[string]
		primary error
		want    string
		wantErr []error
	}{
		{"success needs no fallback", fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("static")}}, nil, "primary", nil},
		{"static value", fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("static")}}, errPrimary, "static", nil},
		{"function of the error", fallback.Config[string]{Chain: []fallback.Func[string]{fromErr}}, errPrimary, "from primary failed", nil},
		{"chain: first answers", fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("first"), fallback.Value("second")}}, errPrimary, "first", nil},
		{"chain: failing first, second answers", fallback.Config[string]{Chain: []fallback.Func[string]{fails(errFB1, &fb1), fallback.Value("second")}}, errPrimary, "second", nil},
		{"chain: all fail", fallback.Config[string]{Chain: []fallback.Func[string]{fails(errFB1, &fb1), fails(errFB2, &fb2)}}, errPrimary, "", []error{errPrimary, errFB2}},
		{"non-matching error propagates", fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("static")}, On: onlyPrimary}, errOther, "", []error{errOther}},
		{"matching error falls back", fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("static")}, On: onlyPrimary}, fmt.Errorf("wrapped: %w", errPrimary), "static", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFallback(t, tt.cfg)
			got, err := f.Do(context.Background(), primary(tt.primary))
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if len(tt.wantErr) == 0 && err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			for _, w := range tt.wantErr {
				if !errors.Is(err, w) {
					t.Fatalf("got %v, want it to wrap %v", err, w)
				}
			}
		})
	}
	if seen != errPrimary {
		t.Errorf("function fallback saw %v, want the primary's error", seen)
	}
	if fb1 != 2 || fb2 != 1 {
		t.Errorf("got fallback calls %d, %d; want 2, 1", fb1, fb2)
	}
}

func TestAllFailedError(t *testing.T) {
	var n int
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fails(errFB1, &n), fails(errFB2, &n)}})
	_, err := f.Do(context.Background(), primary(errPrimary))
	var fe *fallback.FailedError
	if !errors.As(err, &fe) || fe.Primary != errPrimary || fe.Last != errFB2 || errors.Is(err, errFB1) {
		t.Fatalf("got %#v, want primary and the last fallback's error only", err)
	}
	if want := `fallback "test": all fallbacks failed: primary: primary failed; last fallback: fb2 failed`; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

func TestValidation(t *testing.T) {
	for _, cfg := range []fallback.Config[int]{{}, {Chain: []fallback.Func[int]{nil}}} {
		_, err := fallback.New(nil, "bad", cfg)
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Chain" {
			t.Errorf("got %v, want a config error naming Chain", err)
		}
	}
}

func TestEvents(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Shutdown(context.Background()) })
	sub, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{fallback.Kind}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var n int
	f, err := fallback.New(eng, "ev", fallback.Config[string]{Chain: []fallback.Func[string]{fails(errFB1, &n), fallback.Value("x")}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Do(context.Background(), primary(nil))
	_, _ = f.Do(context.Background(), primary(errPrimary))
	select {
	case ev := <-sub.C():
		if ev.Type != eventstream.EventFallbackTriggered || ev.Fields.Attempt != 2 || ev.Fields.Reason != fallback.ReasonRecovered || ev.Fields.Err != errPrimary.Error() {
			t.Fatalf("got %s %+v, want fallback_triggered by fallback 2", ev.Type, ev.Fields)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no fallback_triggered event")
	}
	select {
	case ev := <-sub.C():
		t.Fatalf("got an extra event %s", ev.Type)
	default:
	}
}

func TestInComposition(t *testing.T) {
	f := newFallback(t, fallback.Config[string]{Chain: []fallback.Func[string]{fallback.Value("fb")}})
	c := engine.Chain(engine.UsePolicy[string](f))
	got, err := c.Get(context.Background(), primary(errPrimary))
	if got != "fb" || err != nil {
		t.Fatalf("got %q, %v; want fb, nil", got, err)
	}
}
