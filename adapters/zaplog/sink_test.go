package zaplog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bulwark-go/bulwark/adapters/zaplog"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// hang bounds a wait that must end; reaching it is a hang, not a timing guess.
const hang = 10 * time.Second

// hooked returns a logger whose every write first runs hook.
func hooked(hook func()) *zap.Logger {
	core, _ := observer.New(zapcore.DebugLevel)
	return zap.New(zapcore.RegisterHooks(core, func(zapcore.Entry) error { hook(); return nil }))
}

func shutdown(t *testing.T, eng *engine.Engine, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	got := make(chan error, 1)
	go func() { got <- eng.Shutdown(ctx) }()
	select {
	case err := <-got:
		return err
	case <-time.After(hang):
		t.Fatal("Shutdown outlived its ctx")
		return nil
	}
}

// TestBlockingCoreDoesNotHoldShutdown: a zap core that never returns holds
// Shutdown only until its ctx ends, and Shutdown names the sink's handler.
func TestBlockingCoreDoesNotHoldShutdown(t *testing.T) {
	gate, entered := make(chan struct{}), make(chan struct{}, 1)
	log := hooked(func() {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	})
	eng, err := engine.New(engine.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	sub, err := zaplog.Attach(eng.Events(), log, zaplog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "p"})
	<-entered
	err = shutdown(t, eng, 50*time.Millisecond)
	close(gate)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), sub.Name()) {
		t.Fatalf("got %v, want an error naming %s that wraps DeadlineExceeded", err, sub.Name())
	}
}

// TestPanickingCoreIsAlsoTheEngineLogger: the sink's panic is recovered by
// the stream and reported through the engine's logger — the same core, which
// panics again; the process lives on, the sink keeps logging later events,
// and the engine counts the logger's panics.
func TestPanickingCoreIsAlsoTheEngineLogger(t *testing.T) {
	writes := make(chan struct{}, 16)
	log := hooked(func() {
		writes <- struct{}{}
		panic("core")
	})
	eng, err := engine.New(engine.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zaplog.Attach(eng.Events(), log, zaplog.Options{}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		eng.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "p"})
	}
	// Each event is one write by the sink and one by the engine's report.
	for i := range 4 {
		select {
		case <-writes:
		case <-time.After(hang):
			t.Fatalf("write %d never came", i)
		}
	}
	if err := shutdown(t, eng, hang); err != nil {
		t.Fatal(err)
	}
	if got := eng.SinkPanics(); got != 2 {
		t.Fatalf("SinkPanics: got %d, want 2", got)
	}
}
