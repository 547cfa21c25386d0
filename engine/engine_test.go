package engine_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestErrorHandlerAndLoggerSeeActorPanics(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	type report struct{ kind, name string }
	reports := make(chan report, 1)
	eng := newEngine(t, engine.WithLogger(zap.New(core)), engine.WithErrorHandler(func(kind, name string, err error) {
		var pe *messages.PanicError
		if errors.As(err, &pe) {
			reports <- report{kind, name}
		}
	}))
	a := spawn(t, eng, "p", func() kernel.Behavior[int, int] { return &gated{gate: make(chan struct{})} })
	if _, err := a.Ask(context.Background(), 13); err == nil {
		t.Fatal("want the panic's error")
	}
	if r := <-reports; r != (report{"test", "p"}) {
		t.Fatalf("error handler: got %+v", r)
	}
	if got := logs.FilterMessage("bulwark: actor error").Len(); got != 1 {
		t.Fatalf("logged errors: got %d, want 1", got)
	}
}

func TestSilentByDefault(t *testing.T) {
	eng := newEngine(t)
	if eng.Logger().Core().Enabled(zapcore.ErrorLevel) {
		t.Fatal("the default logger is not silent")
	}
	if _, ok := eng.Clock().(engine.RealClock); !ok {
		t.Fatalf("default clock: got %T", eng.Clock())
	}
}

func TestNilOptionIsAnError(t *testing.T) {
	if _, err := engine.New(nil); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("got %v, want ErrInvalidConfig", err)
	}
}

func TestPublishStampsTimeFromClock(t *testing.T) {
	clock := engine.NewFakeClock(epoch)
	eng := newEngine(t, engine.WithClock(clock))
	sub, err := eng.Events().Subscribe(eventstream.Filter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	eng.Publish(eventstream.Event{Type: eventstream.EventCallSuccess})
	if e := <-sub.C(); !e.Time.Equal(epoch) {
		t.Fatalf("event time: got %v, want %v", e.Time, epoch)
	}
}
