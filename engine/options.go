package engine

import (
	"time"

	"go.uber.org/zap"
)

// Option configures an Engine (functional options, as zap's).
type Option interface{ apply(*config) }

type config struct {
	logger        *zap.Logger
	clock         Clock
	onError       func(kind, name string, err error)
	maxRestarts   int
	restartWindow time.Duration
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithLogger makes the engine log to l. The default, zap.NewNop(), is
// silent; nil keeps the default.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.logger = l
		}
	})
}

// WithClock makes the engine read time from c (a FakeClock in tests). nil
// keeps the default RealClock.
func WithClock(c Clock) Option {
	return optionFunc(func(cfg *config) {
		if c != nil {
			cfg.clock = c
		}
	})
}

// WithErrorHandler installs a hook called with every error the engine
// catches on its own: an actor's panic or failure, a panic in an event
// handler. It runs in the engine's goroutines and must not block. (The
// original library's set_error_handler.)
func WithErrorHandler(h func(kind, name string, err error)) Option {
	return optionFunc(func(c *config) { c.onError = h })
}

// WithRestartBudget sets how many restarts (max) an actor may have within
// window before it is marked failed. The defaults are 5 within 10 s; a
// negative max means actors are never restarted.
func WithRestartBudget(max int, window time.Duration) Option {
	return optionFunc(func(c *config) {
		c.maxRestarts = max
		c.restartWindow = window
	})
}
