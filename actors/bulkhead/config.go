package bulkhead

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
)

// Kind is the pattern name of the bulkhead in events, errors and the
// supervisor's registry.
const Kind = "bulkhead"

// DefaultMaxInFlight is the default Config.MaxInFlight (the original's
// max_concurrent).
const DefaultMaxInFlight = 10

// Bounds of Config: a larger value is a *messages.ConfigError.
// LargestMaxInFlight is the largest Config.MaxInFlight (1,048,576, the
// most permits one instance can track), LargestMaxWaiting the largest
// Config.MaxWaiting (1,048,576).
const LargestMaxInFlight, LargestMaxWaiting = admit.LargestMaxInFlight, admit.LargestMaxWaiting

// Config configures a Bulkhead. Zero fields take the documented defaults,
// so the zero Config is a bulkhead of 10 slots where nobody waits. Making
// a bulkhead does no work proportional to any field: slots and the queue
// grow with use.
type Config struct {
	// MaxInFlight is how many calls may hold a slot at once (default
	// DefaultMaxInFlight; 1..LargestMaxInFlight).
	MaxInFlight int
	// MaxWaiting is how many calls may wait for a slot (default 0: nobody
	// waits, a call that finds every slot taken is rejected at once with
	// ReasonQueueFull; 0..LargestMaxWaiting).
	MaxWaiting int
	// MaxWait is how long a waiting call waits for a slot before it is
	// rejected with ReasonWaitTimeout (default 0: until its context ends;
	// negative is an error). It bounds the wait only, never the call.
	MaxWait time.Duration
}

func (c Config) withDefaults() (Config, error) {
	var err error
	c.MaxInFlight, err = admit.CheckSizes(Kind, c.MaxInFlight, DefaultMaxInFlight, c.MaxWaiting, c.MaxWait)
	return c, err
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}
