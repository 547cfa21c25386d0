package zaplog_test

import (
	"errors"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/bulwark-go/bulwark/adapters/zaplog"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// FuzzAttach: any Buffer is a ConfigError exactly when out of [0,
// eventstream.LargestBuffer] (0 is the default); any event renders to fields
// and a level without panicking.
func FuzzAttach(f *testing.F) {
	f.Add(0, "circuit_opened", "closed", "open", "", int64(5), int64(0), 0, int64(time.Minute))
	f.Add(-1, "", "", "", "boom", int64(0), int64(-1), 3, int64(0))
	f.Add(eventstream.LargestBuffer+1, "x", "", "", "", int64(0), int64(0), 0, int64(0))
	f.Fuzz(func(t *testing.T, buffer int, typ, oldState, newState, errText string, count, max int64, attempt int, delay int64) {
		s := eventstream.New(eventstream.Options{})
		defer s.Close()
		opts := zaplog.Options{Buffer: buffer}
		sub, err := zaplog.Attach(s, zap.NewNop(), opts)
		valid := buffer >= 0 && buffer <= eventstream.LargestBuffer
		if (opts.Validate() == nil) != valid {
			t.Fatalf("Validate(Buffer %d): got %v, want ok=%v", buffer, opts.Validate(), valid)
		}
		var ce *messages.ConfigError
		switch {
		case valid && err != nil:
			t.Fatalf("Buffer %d: got %v", buffer, err)
		case !valid && (!errors.As(err, &ce) || ce.Field != "Buffer"):
			t.Fatalf("Buffer %d: got %v, want a ConfigError naming Buffer", buffer, err)
		case valid:
			defer sub.Close()
		}
		e := eventstream.Event{Type: eventstream.Type(typ), Fields: eventstream.Fields{
			OldState: oldState, NewState: newState, Err: errText, Count: count, Max: max, Attempt: attempt, Delay: time.Duration(delay)}}
		if fields := zaplog.Fields(e); len(fields) < 4 {
			t.Fatalf("Fields: got %d, want at least the 4 identifying ones", len(fields))
		}
		_ = zaplog.LevelOf(e.Type)
		s.Publish(e)
	})
}
