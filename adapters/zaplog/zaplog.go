package zaplog

import (
	"cmp"
	"runtime"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// DefaultBuffer is how many events may wait for the logger before they are
// dropped.
const DefaultBuffer = 1024

// Options configures Attach. The zero value logs every event.
type Options struct {
	// Filter selects the events to log; the zero Filter logs all.
	Filter eventstream.Filter
	// Buffer is how many events may wait for the logger: 0 means
	// DefaultBuffer, at most eventstream.LargestBuffer.
	Buffer int
	// Level maps an event to its log level; nil uses LevelOf.
	Level func(eventstream.Type) zapcore.Level
}

// Validate returns a *messages.ConfigError naming Buffer unless it is 0
// (the default) or in [1, eventstream.LargestBuffer].
func (o Options) Validate() error {
	if o.Buffer == 0 {
		return nil
	}
	return eventstream.CheckBuffer("zaplog", "Buffer", o.Buffer)
}

// Attach logs the events of stream to log until the returned subscription
// is closed (or the stream is). log must not be nil. It turns on the
// stream's caller recording, so that a logger built with zap.AddCaller
// shows where each event was published (the pattern's code), not this
// package; an event published without a caller is logged without one.
func Attach(stream *eventstream.Stream, log *zap.Logger, opts Options) (*eventstream.Subscription, error) {
	if log == nil {
		return nil, messages.InvalidConfig("zaplog", "log", "nil", "must be a *zap.Logger (zap.NewNop() for silence)")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.Buffer = cmp.Or(opts.Buffer, DefaultBuffer)
	level := opts.Level
	if level == nil {
		level = LevelOf
	}
	stream.RecordCallers()
	return stream.OnFilter(opts.Filter, opts.Buffer, func(e eventstream.Event) {
		if ce := log.Check(level(e.Type), "bulwark event"); ce != nil {
			ce.Caller = callerOf(e)
			ce.Write(Fields(e)...)
		}
	})
}

// LevelOf is the default level of each event type: Error for an actor that
// failed or a backend error, Warn for rejections, restarts and lagging
// subscribers, Info for state changes, Debug for per-call events.
func LevelOf(t eventstream.Type) zapcore.Level {
	switch t {
	case eventstream.EventActorFailed, eventstream.EventBackendError:
		return zapcore.ErrorLevel
	case eventstream.EventActorRestarted, eventstream.EventSubscriberLagged,
		eventstream.EventCallRejected, eventstream.EventRateLimitExceeded,
		eventstream.EventBulkheadRejected, eventstream.EventRequestShed,
		eventstream.EventBackpressureRejected, eventstream.EventTimeoutExceeded,
		eventstream.EventRetryExhausted, eventstream.EventFallbackTriggered:
		return zapcore.WarnLevel
	case eventstream.EventStateChange, eventstream.EventCircuitOpened,
		eventstream.EventCircuitClosed, eventstream.EventCircuitReset,
		eventstream.EventLoadLevelChanged, eventstream.EventBackpressureOn,
		eventstream.EventBackpressureOff, eventstream.EventLimitChanged:
		return zapcore.InfoLevel
	}
	return zapcore.DebugLevel
}

// Fields renders an event as zap fields: its type, pattern, name and time,
// and each payload field that is set (eventstream.Fields.Visit).
func Fields(e eventstream.Event) []zap.Field {
	out := []zap.Field{
		zap.String("event", string(e.Type)),
		zap.String("pattern", e.Pattern),
		zap.String("name", e.Name),
		zap.Time("at", e.Time),
	}
	e.Fields.Visit(func(name string, value any) { out = append(out, zap.Any(name, value)) })
	return out
}

// callerOf returns where e was published, or an undefined caller (which
// zap leaves out) when e does not say.
func callerOf(e eventstream.Event) zapcore.EntryCaller {
	if e.PC == 0 {
		return zapcore.EntryCaller{}
	}
	f, _ := runtime.CallersFrames([]uintptr{e.PC}).Next()
	if f.File == "" {
		return zapcore.EntryCaller{}
	}
	return zapcore.EntryCaller{Defined: true, PC: f.PC, File: f.File, Line: f.Line, Function: f.Function}
}
