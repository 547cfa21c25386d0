package zaplog

import (
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
// is closed (or the stream is). log must not be nil.
func Attach(stream *eventstream.Stream, log *zap.Logger, opts Options) (*eventstream.Subscription, error) {
	if log == nil {
		return nil, messages.InvalidConfig("zaplog", "log", "nil", "must be a *zap.Logger (zap.NewNop() for silence)")
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Buffer == 0 {
		opts.Buffer = DefaultBuffer
	}
	level := opts.Level
	if level == nil {
		level = LevelOf
	}
	return stream.OnFilter(opts.Filter, opts.Buffer, func(e eventstream.Event) {
		if ce := log.Check(level(e.Type), "bulwark event"); ce != nil {
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
// and each payload field that is set.
func Fields(e eventstream.Event) []zap.Field {
	out := []zap.Field{
		zap.String("event", string(e.Type)),
		zap.String("pattern", e.Pattern),
		zap.String("name", e.Name),
		zap.Time("at", e.Time),
	}
	f := e.Fields
	for _, s := range []struct{ key, val string }{
		{"old_state", f.OldState}, {"new_state", f.NewState}, {"reason", f.Reason},
		{"key", f.Key}, {"limit", f.Limit}, {"error", f.Err},
	} {
		if s.val != "" {
			out = append(out, zap.String(s.key, s.val))
		}
	}
	if f.Count != 0 {
		out = append(out, zap.Int64("count", f.Count))
	}
	if f.Max != 0 {
		out = append(out, zap.Int64("max", f.Max))
	}
	if f.Attempt != 0 {
		out = append(out, zap.Int("attempt", f.Attempt), zap.Int("max_attempts", f.MaxAttempts))
	}
	if f.Delay != 0 {
		out = append(out, zap.Duration("delay", f.Delay))
	}
	if f.Elapsed != 0 {
		out = append(out, zap.Duration("elapsed", f.Elapsed))
	}
	return out
}
