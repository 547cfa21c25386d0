package bulkhead

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the bulkhead in events, errors and the
// supervisor's registry.
const Kind = "bulkhead"

// DefaultMaxConcurrent is the default Config.MaxConcurrent (the original's
// max_concurrent).
const DefaultMaxConcurrent = 10

// Config configures a Bulkhead. Zero fields take the documented defaults,
// so the zero Config is a bulkhead of 10 slots and no queue.
type Config struct {
	// MaxConcurrent is how many calls may hold a slot at once (default
	// DefaultMaxConcurrent).
	MaxConcurrent int
	// MaxWaiting is how many calls may wait for a slot (default 0: no
	// queue, a call that finds every slot taken is rejected at once).
	MaxWaiting int
	// MaxWait is how long a queued call waits for a slot before it is
	// rejected with ReasonWaitTimeout (default 0: until its context ends).
	// It bounds the wait only, never the call itself.
	MaxWait time.Duration
}

func (c Config) withDefaults() (Config, error) {
	if c.MaxConcurrent < 0 {
		return c, messages.InvalidConfig(Kind, "MaxConcurrent", c.MaxConcurrent, "must be at least 1 (0: default 10)")
	}
	if c.MaxWaiting < 0 {
		return c, messages.InvalidConfig(Kind, "MaxWaiting", c.MaxWaiting, "must be at least 0")
	}
	if c.MaxWait < 0 {
		return c, messages.InvalidConfig(Kind, "MaxWait", c.MaxWait, "must be at least 0 (0: wait until the context ends)")
	}
	if c.MaxConcurrent == 0 {
		c.MaxConcurrent = DefaultMaxConcurrent
	}
	return c, nil
}
