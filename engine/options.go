package engine

import (
	"time"

	"go.uber.org/zap"

	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// Option configures an Engine (functional options, as zap's).
type Option interface{ apply(*config) }

type config struct {
	logger        *zap.Logger
	clock         Clock
	onError       func(kind, name string, err error)
	onDemand      bool
	budgetSet     bool // WithRestartBudget was given
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
// handler. It runs in the engine's reporter goroutine, after the logger,
// one report at a time: a hook that blocks delays later reports (past 256
// waiting they are dropped and counted by LostReports) and holds Shutdown
// until its ctx ends; a hook that panics is recovered and counted by
// SinkPanics. It must not call Shutdown. (The original library's
// set_error_handler.)
func WithErrorHandler(h func(kind, name string, err error)) Option {
	return optionFunc(func(c *config) { c.onError = h })
}

// WithRestartBudget sets how many restarts (max) an actor may have within
// window before it is marked failed. Without this option the budget is
// supervisor.DefaultMaxRestarts (5) within supervisor.DefaultRestartWindow
// (10 s). max 0 means an actor is never restarted: its first failure marks
// it failed (window is then ignored). max must be in [0,
// supervisor.LargestMaxRestarts] and, when it is not 0, window in (0,
// supervisor.LargestRestartWindow]; New returns a *messages.ConfigError
// otherwise.
func WithRestartBudget(max int, window time.Duration) Option {
	return optionFunc(func(c *config) {
		c.budgetSet = true
		c.maxRestarts = max
		c.restartWindow = window
	})
}

// WithOnDemandActors makes every actor run only while it has work: an idle
// actor holds no goroutine (its mailbox, state and handle stay), and the
// next message — or Shutdown — starts one. Handles see no difference;
// each burst of work after idleness costs a goroutine start, and a
// behaviour keeps its state across runs (a panic still restarts it fresh,
// under the restart budget). Use it for registries of 100,000 or more
// named instances that are mostly idle; without it an actor gets its
// goroutine at its first message and keeps it (a 4 KB stack once used).
// An actor never sent a message holds none in either mode.
func WithOnDemandActors() Option {
	return optionFunc(func(c *config) { c.onDemand = true })
}

// supervisorOptions turns the engine's options into the supervisor's,
// checking the restart budget.
func (c *config) supervisorOptions() (supervisor.Options, error) {
	o, err := c.restartBudget()
	o.OnDemand = c.onDemand
	return o, err
}

// restartBudget checks the restart budget and turns it into the
// supervisor's terms (where 0 means the default).
func (c *config) restartBudget() (supervisor.Options, error) {
	if !c.budgetSet {
		return supervisor.Options{}, nil
	}
	switch {
	case c.maxRestarts < 0 || c.maxRestarts > supervisor.LargestMaxRestarts:
		return supervisor.Options{}, messages.InvalidConfig("engine", "restart budget max", c.maxRestarts, "must be in [0, supervisor.LargestMaxRestarts = 1<<30] (0: never restart)")
	case c.maxRestarts == 0:
		if c.restartWindow < 0 {
			return supervisor.Options{}, messages.InvalidConfig("engine", "restart window", c.restartWindow, "must not be negative")
		}
		return supervisor.Options{MaxRestarts: supervisor.NoRestart}, nil
	case c.restartWindow <= 0 || c.restartWindow > supervisor.LargestRestartWindow:
		return supervisor.Options{}, messages.InvalidConfig("engine", "restart window", c.restartWindow, "must be in (0, supervisor.LargestRestartWindow = 24h]")
	}
	return supervisor.Options{MaxRestarts: c.maxRestarts, RestartWindow: c.restartWindow}, nil
}
