package timeout

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of Timeout in events and errors.
const Kind = "timeout"

// DeadlineKind is the pattern name of Deadline in events and errors.
const DeadlineKind = "deadline"

// DefaultTimeout is the original's default timeout.
const DefaultTimeout = 30 * time.Second

// Config configures a Timeout. Zero fields take the defaults.
type Config struct {
	// Timeout is each call's limit; default 30 s.
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

func (c Config) validate() error {
	if c.Timeout < 0 {
		return messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be positive")
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

func (c DeadlineConfig) validate() error {
	if c.At.IsZero() {
		return messages.InvalidConfig(DeadlineKind, "At", c.At, "must be set")
	}
	return nil
}
