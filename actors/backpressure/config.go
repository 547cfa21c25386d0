package backpressure

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of backpressure in events, errors and the
// supervisor's registry.
const Kind = "backpressure"

// DefaultMaxInFlight is the default Config.MaxInFlight (the original's
// max_pending).
const DefaultMaxInFlight = 1000

// Drained, as Config.LowWaterMark, turns backpressure off only when nothing
// is pending (a low-water mark of zero, which the zero value cannot say).
const Drained = -1

// Bounds of Config: a larger value is a *messages.ConfigError. The water
// marks are at most MaxInFlight.
// LargestMaxInFlight is the largest Config.MaxInFlight (1,048,576, the
// most permits one instance can track), LargestMaxWaiting the largest
// Config.MaxWaiting (1,048,576).
const LargestMaxInFlight, LargestMaxWaiting = admit.LargestMaxInFlight, admit.LargestMaxWaiting

// Config configures a Gate. Zero fields take the documented defaults: the
// zero Config is MaxInFlight 1000, HighWaterMark 800, LowWaterMark 200,
// and nobody waits. Making a gate does no work proportional to any field:
// the queue grows with use.
type Config struct {
	// MaxInFlight bounds pending items plus waiting callers (default
	// DefaultMaxInFlight; 1..LargestMaxInFlight): beyond it a call is
	// rejected with ReasonOverloaded.
	MaxInFlight int
	// HighWaterMark is the pending count at which backpressure turns on
	// (default 80 % of MaxInFlight, at least 1); at most MaxInFlight.
	HighWaterMark int
	// LowWaterMark is the pending count at or below which it turns off
	// again (default 20 % of MaxInFlight, at most HighWaterMark; Drained
	// for zero); at most HighWaterMark.
	LowWaterMark int
	// MaxWaiting is how many calls may wait while backpressure is on
	// (default 0: nobody waits, a call is rejected at once with
	// ReasonActive; 0..LargestMaxWaiting).
	MaxWaiting int
	// MaxWait is how long a waiting call waits before it is rejected with
	// ReasonWaitTimeout (default 0: until its context ends; negative is an
	// error).
	MaxWait time.Duration
}

func (c Config) withDefaults() (Config, error) {
	var err error
	if c.MaxInFlight, err = admit.CheckInFlight(Kind, c.MaxInFlight, DefaultMaxInFlight); err != nil {
		return c, err
	}
	if c.HighWaterMark < 0 || c.HighWaterMark > c.MaxInFlight {
		return c, messages.InvalidConfig(Kind, "HighWaterMark", c.HighWaterMark, "must be 1..MaxInFlight (0: 80 % of MaxInFlight)")
	}
	if c.HighWaterMark == 0 {
		c.HighWaterMark = max(1, c.MaxInFlight*8/10)
	}
	if c.LowWaterMark < Drained || c.LowWaterMark > c.HighWaterMark {
		return c, messages.InvalidConfig(Kind, "LowWaterMark", c.LowWaterMark, "must be 1..HighWaterMark, or Drained (0: 20 % of MaxInFlight)")
	}
	switch c.LowWaterMark {
	case 0:
		c.LowWaterMark = min(c.MaxInFlight*2/10, c.HighWaterMark)
	case Drained:
		c.LowWaterMark = 0
	}
	return c, admit.CheckWaiting(Kind, c.MaxWaiting, c.MaxWait)
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}
