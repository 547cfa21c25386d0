package timeout

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
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

// defaults are the values of a Config's zero fields.
var defaults = Config{Timeout: DefaultTimeout}

func (c Config) withDefaults() Config { return conf.Fill(c, &defaults) }

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	return conf.Check(Kind, conf.In("Timeout", c.withDefaults().Timeout, 1, LargestTimeout))
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
	return conf.Check(DeadlineKind, conf.If("At", c.At, !c.At.IsZero(), "must be set"))
}
