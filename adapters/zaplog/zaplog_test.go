package zaplog_test

import (
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bulwark-go/bulwark/adapters/zaplog"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAttachLogsEventsWithFieldsAndLevels(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	s := eventstream.New(eventstream.Options{})
	sub, err := zaplog.Attach(s, zap.New(core), zaplog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "payments", Time: at,
		Fields: eventstream.Fields{OldState: "closed", NewState: "open", Count: 5, Delay: time.Minute}})
	s.Publish(eventstream.Event{Type: eventstream.EventActorFailed, Pattern: "bulkhead", Name: "db", Time: at, Fields: eventstream.Fields{Err: "panic: x"}})
	sub.Close() // the handler logs what is buffered, then returns
	s.Close()

	entries := logs.All()
	if len(entries) != 2 {
		t.Fatalf("got %d entries, want 2", len(entries))
	}
	first := entries[0]
	if first.Level != zapcore.InfoLevel {
		t.Fatalf("circuit_opened level: got %v, want info", first.Level)
	}
	got := first.ContextMap()
	for k, want := range map[string]any{"event": "circuit_opened", "pattern": "circuitbreaker", "name": "payments",
		"old_state": "closed", "new_state": "open", "count": int64(5), "delay": time.Minute} {
		if got[k] != want {
			t.Errorf("field %s: got %v, want %v", k, got[k], want)
		}
	}
	if _, ok := got["reason"]; ok {
		t.Error("an unset field was logged")
	}
	if entries[1].Level != zapcore.ErrorLevel || entries[1].ContextMap()["error"] != "panic: x" {
		t.Fatalf("actor_failed entry: got %v %v", entries[1].Level, entries[1].ContextMap())
	}
}

func TestAttachRejectsBadArguments(t *testing.T) {
	s := eventstream.New(eventstream.Options{})
	defer s.Close()
	if _, err := zaplog.Attach(s, nil, zaplog.Options{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil logger: got %v", err)
	}
	for _, buffer := range []int{-1, eventstream.LargestBuffer + 1, 1 << 40} {
		var ce *messages.ConfigError
		if _, err := zaplog.Attach(s, zap.NewNop(), zaplog.Options{Buffer: buffer}); !errors.As(err, &ce) || ce.Field != "Buffer" {
			t.Fatalf("Buffer %d: got %v, want a ConfigError naming Buffer", buffer, err)
		}
	}
}
