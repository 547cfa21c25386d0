package redisbreaker

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of a shared breaker in events, errors and the
// supervisor's registry (its local breaker is a circuitbreaker.Kind of the
// same name).
const Kind = "redisbreaker"

// Defaults and bounds of Config's fields.
const (
	// DefaultPrefix starts every key a shared breaker writes.
	DefaultPrefix = "bulwark:breaker"
	// LongestPrefix is the longest Config.Prefix, in bytes.
	LongestPrefix = 256
	// DefaultFlushInterval is Config.FlushInterval's default.
	DefaultFlushInterval = 100 * time.Millisecond
	// SmallestFlushInterval and LargestFlushInterval bound FlushInterval.
	SmallestFlushInterval = time.Millisecond
	LargestFlushInterval  = 10 * time.Second
	// DefaultFlushOutcomes is Config.FlushOutcomes' default.
	DefaultFlushOutcomes = 1000
	// LargestFlushOutcomes is the largest Config.FlushOutcomes.
	LargestFlushOutcomes = 1 << 20
	// DefaultTimeout is Config.Timeout's default.
	DefaultTimeout = 100 * time.Millisecond
	// LargestTimeout is the largest Config.Timeout.
	LargestTimeout = time.Minute
)

// Config configures a shared breaker. Zero fields take the defaults.
type Config struct {
	// Breaker configures the process's own circuitbreaker.Breaker, which
	// decides every call while the shared circuit is closed and all calls
	// while Redis is unreachable. The shared circuit uses its thresholds
	// too, over the outcomes of every process: FailureThreshold (failures
	// with no success between them, across processes), OpenAtFailureRate
	// and OpenAtSlowCallRate (calls at or above SlowCallDuration, each
	// process timing its own) over MinimumCalls in the last WindowDuration
	// (in WindowBuckets buckets), RecoveryTimeout, HalfOpenMaxCalls (trials
	// in flight across every process), HalfOpenLease and SuccessThreshold
	// (the half-open trials of every process; slow successful trials open
	// the circuit again once they reach OpenAtSlowCallRate of them).
	Breaker circuitbreaker.Config
	// Prefix starts every key (default DefaultPrefix). At most
	// LongestPrefix bytes, without '{' or '}' (the breaker's hash tag
	// follows it).
	Prefix string
	// FlushInterval is how often the outcomes counted in this process are
	// sent to Redis, and the shared state read back (default
	// DefaultFlushInterval, between SmallestFlushInterval and
	// LargestFlushInterval): every process follows a change of the shared
	// state within one FlushInterval plus one round trip.
	FlushInterval time.Duration
	// FlushOutcomes flushes early once this many successes, or this many
	// failures, are waiting (default DefaultFlushOutcomes, at most
	// LargestFlushOutcomes).
	FlushOutcomes int
	// Timeout bounds every Redis call (default DefaultTimeout, at most
	// LargestTimeout): no call of the user's waits on Redis longer.
	Timeout time.Duration
}

// Validate reports the first field whose value is refused, as a
// *messages.ConfigError naming it and its value.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case len(c.Prefix) > LongestPrefix:
		return c, messages.InvalidConfig(Kind, "Prefix", fmt.Sprintf("of %d bytes", len(c.Prefix)), fmt.Sprintf("must be at most %d bytes", LongestPrefix))
	case strings.ContainsAny(c.Prefix, "{}"):
		return c, messages.InvalidConfig(Kind, "Prefix", fmt.Sprintf("%q", c.Prefix), "must not contain '{' or '}' (the breaker's hash tag follows it)")
	case c.FlushInterval != 0 && (c.FlushInterval < SmallestFlushInterval || c.FlushInterval > LargestFlushInterval):
		return c, messages.InvalidConfig(Kind, "FlushInterval", c.FlushInterval, "must be 0 (default "+DefaultFlushInterval.String()+") or between "+SmallestFlushInterval.String()+" and "+LargestFlushInterval.String())
	case c.FlushOutcomes < 0 || c.FlushOutcomes > LargestFlushOutcomes:
		return c, messages.InvalidConfig(Kind, "FlushOutcomes", c.FlushOutcomes, fmt.Sprintf("must be between 0 (default %d) and %d", DefaultFlushOutcomes, LargestFlushOutcomes))
	case c.Timeout < 0 || c.Timeout > LargestTimeout:
		return c, messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be between 0 (default "+DefaultTimeout.String()+") and "+LargestTimeout.String())
	}
	if err := c.Breaker.Validate(); err != nil {
		return c, err
	}
	c.Prefix = cmp.Or(c.Prefix, DefaultPrefix)
	c.FlushInterval = cmp.Or(c.FlushInterval, DefaultFlushInterval)
	c.FlushOutcomes = cmp.Or(c.FlushOutcomes, DefaultFlushOutcomes)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	return c, nil
}
