package zaplog_test

import (
	"context"
	"os"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/bulwark-go/bulwark/adapters/zaplog"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// Attach turns on logging of every event an engine publishes.
func ExampleAttach() {
	enc := zapcore.NewConsoleEncoder(zapcore.EncoderConfig{MessageKey: "msg", LevelKey: "level", EncodeLevel: zapcore.LowercaseLevelEncoder, EncodeTime: zapcore.RFC3339TimeEncoder})
	log := zap.New(zapcore.NewCore(enc, zapcore.AddSync(os.Stdout), zapcore.InfoLevel))

	clock := engine.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	eng, _ := engine.New(engine.WithClock(clock))
	sub, _ := zaplog.Attach(eng.Events(), log, zaplog.Options{})
	eng.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "payments"})
	sub.Close()
	_ = eng.Shutdown(context.Background())
	// Output: info	bulwark event	{"event": "circuit_opened", "pattern": "circuitbreaker", "name": "payments", "at": "2026-01-01T00:00:00Z"}
}
