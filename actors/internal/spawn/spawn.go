// Package spawn is the one New of the stateful patterns: it checks the
// engine, takes the config's defaults and bounds, and gets or creates the
// named instance in the engine's registry.
package spawn

import (
	"context"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// New returns the instance of pattern kind called name on eng, creating it
// with start if it does not exist yet. cfg goes through withDefaults
// first; start gets the result, which the registry compares a later New of
// the same name against (the same config returns the same instance, a
// different one is a *supervisor.ConflictError). A nil eng is a
// *messages.ConfigError naming "engine", and so is what withDefaults
// refuses; start is not called then.
func New[H, C any](eng *engine.Engine, kind, name string, cfg C, withDefaults func(C) (C, error),
	start func(full C) (H, kernel.Service, error)) (H, error) {
	var zero H
	if eng == nil {
		return zero, messages.InvalidConfig(kind, "engine", nil, "must not be nil")
	}
	full, err := withDefaults(cfg)
	if err != nil {
		return zero, err
	}
	return kernel.Spawn(context.Background(), eng, kind, name, full, func() (H, kernel.Service, error) {
		return start(full)
	})
}
