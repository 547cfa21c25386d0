package bulkhead

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the bulkhead in events, errors and the
// supervisor's registry.
const Kind = "bulkhead"

// DefaultMaxConcurrent is the default Config.MaxConcurrent (the original's
// max_concurrent).
const DefaultMaxConcurrent = 10

// Bounds of Config: a larger value is a *messages.ConfigError.
const (
	// MaxMaxConcurrent is the largest Config.MaxConcurrent (1,048,576, the
	// most permits one instance can track).
	MaxMaxConcurrent = waitq.MaxPermits
	// MaxMaxWaiting is the largest Config.MaxWaiting (1,048,576).
	MaxMaxWaiting = 1 << 20
)

// Config configures a Bulkhead. Zero fields take the documented defaults,
// so the zero Config is a bulkhead of 10 slots and no queue. Making a
// bulkhead does no work proportional to any field: slots and the queue
// grow with use.
type Config struct {
	// MaxConcurrent is how many calls may hold a slot at once (default
	// DefaultMaxConcurrent; 1..MaxMaxConcurrent).
	MaxConcurrent int
	// MaxWaiting is how many calls may wait for a slot (default 0: no
	// queue, a call that finds every slot taken is rejected at once;
	// 0..MaxMaxWaiting).
	MaxWaiting int
	// MaxWait is how long a queued call waits for a slot before it is
	// rejected with ReasonWaitTimeout (default 0: until its context ends).
	// It bounds the wait only, never the call itself.
	MaxWait time.Duration
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxConcurrent < 0 || c.MaxConcurrent > MaxMaxConcurrent {
		return c, messages.InvalidConfig(Kind, "MaxConcurrent", c.MaxConcurrent, "must be 1..1048576 (0: default 10)")
	}
	if c.MaxWaiting < 0 || c.MaxWaiting > MaxMaxWaiting {
		return c, messages.InvalidConfig(Kind, "MaxWaiting", c.MaxWaiting, "must be 0..1048576")
	}
	if c.MaxWait < 0 {
		return c, messages.InvalidConfig(Kind, "MaxWait", c.MaxWait, "must be at least 0 (0: wait until the context ends)")
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	return c, nil
}
