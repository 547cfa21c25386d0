// Package reconf is the one way a stateful pattern records a configuration
// its Reconfigure applied: in the engine's registry (so that the conflict
// rule of a get-or-create by name compares against the current config) and
// as a config_changed event naming what changed.
package reconf

import (
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/supervisor"
)

// Same reports whether next changes nothing of prev, field by field as
// supervisor.Changes compares them (functions by code pointer). An actor
// checks it first so that an identical config resets nothing.
func Same(prev, next any) bool {
	old, now := supervisor.Changes(prev, next)
	return old == "" && now == ""
}

// Record makes next the current config of the instance kind/name in e's
// registry and publishes an eventstream.EventConfigChanged event whose
// OldState and NewState hold the fields that changed (supervisor.Changes).
// The instance's actor calls it in its own goroutine after it applied next
// and published the snapshot that follows from it, and before it answers
// the Reconfigure, so a caller that sees Reconfigure return sees the new
// config everywhere. It reports whether anything changed; an identical
// config records and publishes nothing.
func Record(e *engine.Engine, kind, name string, prev, next any) bool {
	old, now := supervisor.Changes(prev, next)
	if old == "" && now == "" {
		return false
	}
	// An instance made without a name (not in the registry) has nothing to
	// record there; its event still goes out.
	_ = e.Supervisor().SetConfig(kind, name, next)
	e.Publish(eventstream.Event{Type: eventstream.EventConfigChanged, Pattern: kind, Name: name,
		Time: e.Clock().Now(), Fields: eventstream.Fields{OldState: old, NewState: now}})
	return true
}
