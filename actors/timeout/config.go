package timeout

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of Timeout in events and errors.
const Kind = "timeout"

// DeadlineKind is the pattern name of Deadline in events and errors.
const DeadlineKind = "deadline"

// DefaultTimeout is the limit of a zero Config.Timeout.
const DefaultTimeout = 30 * time.Second

// LargestTimeout is the longest Config.Timeout accepted (30 days).
const LargestTimeout = 30 * 24 * time.Hour

// Config configures a Timeout. Zero fields take the defaults.
type Config struct {
	// Timeout is each call's limit, in (0, LargestTimeout]; default 30 s.
	Timeout time.Duration
	// Cooperative runs the function in the caller's goroutine and waits
	// for it to return; the default runs it in its own goroutine and
	// abandons it at the limit (see the package doc).
	Cooperative bool
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	switch c = c.withDefaults(); {
	case c.Timeout < 0:
		return messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be positive")
	case c.Timeout > LargestTimeout:
		return messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be at most LargestTimeout (720h)")
	}
	return nil
}

// DeadlineConfig configures a Deadline.
type DeadlineConfig struct {
	// At is the absolute end shared by every call (required).
	At time.Time
	// Cooperative is as Config.Cooperative.
	Cooperative bool
}

// Validate reports what NewDeadline would refuse in c, as a
// *messages.ConfigError.
func (c DeadlineConfig) Validate() error {
	if c.At.IsZero() {
		return messages.InvalidConfig(DeadlineKind, "At", c.At, "must be set")
	}
	return nil
}
