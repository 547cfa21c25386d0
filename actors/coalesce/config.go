package coalesce

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
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

// defaults are the values of a Config's zero fields.
var defaults = Config{Timeout: DefaultTimeout, MaxKeys: DefaultMaxKeys}

func (c Config) withDefaults() Config { return conf.Fill(c, &defaults) }

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	c = c.withDefaults()
	return conf.Check(Kind, conf.In("Timeout", c.Timeout, 1, LargestTimeout), conf.In("MaxKeys", c.MaxKeys, 1, LargestMaxKeys),
		conf.In("ReuseFor", c.ReuseFor, 0, LargestReuseFor))
}
