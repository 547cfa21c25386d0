package zaplog_test

import (
	"path/filepath"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/bulwark-go/bulwark/adapters/zaplog"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
)

// publishHere publishes one event through the engine from this file.
func publishHere(eng *engine.Engine) {
	eng.Publish(eventstream.Event{Type: eventstream.EventCircuitOpened, Pattern: "circuitbreaker", Name: "db"})
}

// A logger built with zap.AddCaller shows where each event was published,
// not the adapter's own line; an event published without a caller is
// logged without one.
func TestAttachLogsThePublishersCaller(t *testing.T) {
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.DebugLevel)
	sub, err := zaplog.Attach(eng.Events(), zap.New(core, zap.AddCaller()), zaplog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	publishHere(eng)
	eng.Events().Publish(eventstream.Event{Type: eventstream.EventCircuitClosed, Pattern: "circuitbreaker", Name: "db"})
	sub.Close()
	if err := eng.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	entries := logs.All()
	if len(entries) != 2 {
		t.Fatalf("got %d entries, want 2", len(entries))
	}
	for i, e := range entries {
		c := e.Caller
		if !c.Defined || filepath.Base(c.File) != "caller_test.go" {
			t.Errorf("entry %d (%s): caller %v, want a line of caller_test.go", i, e.ContextMap()["event"], c)
		}
	}
	if fn := entries[0].Caller.Function; filepath.Ext(fn) != ".publishHere" {
		t.Errorf("through engine.Publish: caller function %q, want …publishHere", fn)
	}
}
