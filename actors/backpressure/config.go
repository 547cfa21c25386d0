package backpressure

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of backpressure in events, errors and the
// supervisor's registry.
const Kind = "backpressure"

// DefaultMaxPending is the default Config.MaxPending (the original's
// max_pending).
const DefaultMaxPending = 1000

// Drained, as Config.LowWaterMark, turns backpressure off only when nothing
// is pending (a low-water mark of zero, which the zero value cannot say).
const Drained = -1

// UntilCanceled, as Config.MaxWait or AcquireWait's wait, waits until the
// context ends.
const UntilCanceled time.Duration = -1

// MaxMaxPending is the largest Config.MaxPending (1,048,576, the most
// permits one instance can track); a larger one is a
// *messages.ConfigError. The water marks are at most MaxPending.
const MaxMaxPending = waitq.MaxPermits

// Config configures a Manager. Zero fields take the documented defaults:
// the zero Config is MaxPending 1000, HighWaterMark 800, LowWaterMark 200,
// and Acquire does not wait.
type Config struct {
	// MaxPending bounds pending items plus waiters (default
	// DefaultMaxPending; 1..MaxMaxPending). Making a manager does no work
	// proportional to it: the queue grows with use.
	MaxPending int
	// HighWaterMark is the pending count at which backpressure turns on
	// (default 80 % of MaxPending, at least 1); at most MaxPending.
	HighWaterMark int
	// LowWaterMark is the pending count at or below which it turns off
	// again (default 20 % of MaxPending, at most HighWaterMark; Drained for
	// zero); at most HighWaterMark.
	LowWaterMark int
	// MaxWait is how long Acquire waits while backpressure is on: 0 (the
	// default) does not wait, UntilCanceled waits until the context ends.
	MaxWait time.Duration
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxPending < 0 || c.MaxPending > MaxMaxPending {
		return c, messages.InvalidConfig(Kind, "MaxPending", c.MaxPending, "must be 1..1048576 (0: default 1000)")
	}
	if c.MaxPending == 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.HighWaterMark < 0 || c.HighWaterMark > c.MaxPending {
		return c, messages.InvalidConfig(Kind, "HighWaterMark", c.HighWaterMark, "must be 1..MaxPending (0: 80 % of MaxPending)")
	}
	if c.HighWaterMark == 0 {
		c.HighWaterMark = max(1, c.MaxPending*8/10)
	}
	if c.LowWaterMark < Drained || c.LowWaterMark > c.HighWaterMark {
		return c, messages.InvalidConfig(Kind, "LowWaterMark", c.LowWaterMark, "must be 1..HighWaterMark, or Drained (0: 20 % of MaxPending)")
	}
	switch c.LowWaterMark {
	case 0:
		c.LowWaterMark = min(c.MaxPending*2/10, c.HighWaterMark)
	case Drained:
		c.LowWaterMark = 0
	}
	if c.MaxWait < UntilCanceled {
		return c, messages.InvalidConfig(Kind, "MaxWait", c.MaxWait, "must be at least 0, or UntilCanceled")
	}
	return c, nil
}
