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

// Start makes a new instance from its defaulted config: the handle users
// call and the Service to run. *full is the copy the registry holds
// (kernel.SpawnConfig): the handle may keep the pointer and must never
// write through it. A pattern passes a function literal that captures
// nothing (it gets eng and name here), so that a New which finds the
// instance already there allocates nothing.
type Start[H, C any] func(eng *engine.Engine, name string, full *C) (H, kernel.Service, error)

// New returns the instance of pattern kind called name on eng, creating it
// with start if it does not exist yet. cfg goes through withDefaults
// first; start gets the result, which the registry compares a later New of
// the same name against (the same config returns the same instance, a
// different one is a *supervisor.ConflictError). A nil eng is a
// *messages.ConfigError naming "engine", and so is what withDefaults
// refuses; start is not called then.
func New[H, C any](eng *engine.Engine, kind, name string, cfg C, withDefaults func(C) (C, error), start Start[H, C]) (H, error) {
	full, x, found, err := Find[H](eng, kind, name, cfg, withDefaults)
	if found || err != nil {
		return x, err
	}
	return Create(eng, kind, name, full, start)
}

// Find checks eng and cfg as New does and returns cfg with its defaults,
// and the instance of kind called name if one runs with that config
// (found), read from the registry's index without a message or an
// allocation. Otherwise the caller goes on to Create, which gives the
// full answer (a conflict, a stopped engine, or a new instance).
func Find[H, C any](eng *engine.Engine, kind, name string, cfg C, withDefaults func(C) (C, error)) (full C, x H, found bool, err error) {
	if eng == nil {
		return full, x, false, messages.InvalidConfig(kind, "engine", nil, "must not be nil")
	}
	if full, err = withDefaults(cfg); err != nil {
		return full, x, false, err
	}
	x, found = kernel.Find[H](eng, kind, name, &full)
	return full, x, found, nil
}

// Create gets or creates the instance of kind called name with full (cfg
// with its defaults) through the registry, making it with start when it
// does not exist.
func Create[H, C any](eng *engine.Engine, kind, name string, full C, start Start[H, C]) (H, error) {
	return kernel.SpawnConfig(context.Background(), eng, kind, name, full, func(full *C) (H, kernel.Service, error) {
		return start(eng, name, full)
	})
}
