package coalesce

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of Group in errors.
const Kind = "coalesce"

// Defaults and bounds of Config. Each bound is inclusive.
const (
	// DefaultTimeout bounds one shared execution.
	DefaultTimeout = 30 * time.Second
	// LargestTimeout is the longest Config.Timeout (30 days).
	LargestTimeout = 30 * 24 * time.Hour
	// DefaultMaxKeys is how many distinct keys may be in flight at once.
	DefaultMaxKeys = 10_000
	// LargestMaxKeys bounds Config.MaxKeys.
	LargestMaxKeys = 1 << 20
	// LargestReuseFor is the longest Config.ReuseFor (one hour).
	LargestReuseFor = time.Hour
)

// Config configures a Group. Zero fields take the defaults.
type Config struct {
	// Timeout bounds each shared execution: its context, detached from
	// every caller's, ends Timeout after it started. In (0, LargestTimeout];
	// default 30 s.
	Timeout time.Duration
	// MaxKeys bounds the distinct keys in flight plus those whose result
	// is kept for reuse: a call for a new key beyond it is refused with
	// ErrTooManyKeys (a call for a key in flight still joins, and one
	// for a kept key is answered). In [1, LargestMaxKeys]; default 10,000.
	MaxKeys int
	// ReuseFor is how long a success stays answerable after its execution
	// returned (the coalescing window): a call for its key in that time
	// gets it without an execution, on the engine's clock. Errors and
	// panics are never kept. In [0, LargestReuseFor]; 0 (the default)
	// keeps nothing: a call after the execution returned starts another.
	ReuseFor time.Duration
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxKeys == 0 {
		c.MaxKeys = DefaultMaxKeys
	}
	return c
}

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	switch c = c.withDefaults(); {
	case c.Timeout < 0 || c.Timeout > LargestTimeout:
		return messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be in (0, LargestTimeout (720h)]")
	case c.MaxKeys < 1 || c.MaxKeys > LargestMaxKeys:
		return messages.InvalidConfig(Kind, "MaxKeys", c.MaxKeys, "must be in [1, 1048576]")
	case c.ReuseFor < 0 || c.ReuseFor > LargestReuseFor:
		return messages.InvalidConfig(Kind, "ReuseFor", c.ReuseFor, "must be in [0, LargestReuseFor (1h)]")
	}
	return nil
}
