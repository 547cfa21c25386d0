package redis

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the distributed rate limiter in events and
// errors.
const Kind = "ratelimit-redis"

// FailMode says what a decision does when Redis cannot be reached.
type FailMode uint8

// Fail modes.
const (
	// FailOpen admits the request (the default, as the original): an
	// outage of Redis must not become an outage of the service.
	FailOpen FailMode = iota
	// FailClosed rejects the request with a *messages.RejectedError whose
	// Reason is ReasonBackendUnavailable and which also wraps the Redis
	// error.
	FailClosed
)

// DefaultPrefix starts every key the limiter writes.
const DefaultPrefix = "bulwark:ratelimit"

// Bounds of Config's fields and of the rates a decision takes.
const (
	// LongestPrefix is the longest Config.Prefix, in bytes.
	LongestPrefix = 256
	// DefaultTimeout is Config.Timeout's default.
	DefaultTimeout = 100 * time.Millisecond
	// LargestTimeout is the largest Config.Timeout.
	LargestTimeout = time.Minute
	// LargestMaxInFlight is the largest Config.MaxInFlight.
	LargestMaxInFlight = 1 << 16
	// LargestLocalBatch is the largest Config.LocalBatch.
	LargestLocalBatch = 1024
	// DefaultLocalHold is Config.LocalHold's default.
	DefaultLocalHold = 100 * time.Millisecond
	// LargestLocalHold is the largest Config.LocalHold.
	LargestLocalHold = time.Minute
	// LargestCount is the largest Rate.Count a GCRA decision takes.
	LargestCount = 1<<31 - 1
	// LargestWindowCount is the largest Rate.Count a SlidingWindow decision
	// takes: the window stores one sorted-set member per admitted request.
	LargestWindowCount = 1<<20 - 1
	// SmallestPeriod and LargestPeriod bound a rate's period, which must
	// also be a whole number of microseconds (the scripts count in
	// microseconds, exactly, as Lua doubles hold integers up to 2^53).
	// Every rate ParseRate reads is one.
	SmallestPeriod = time.Microsecond
	LargestPeriod  = 100 * 365 * 24 * time.Hour
)

// Config configures a Limiter. Zero fields take the defaults; Validate says
// which values are refused.
type Config struct {
	// Prefix starts every key (default DefaultPrefix). At most
	// LongestPrefix bytes, without '{' or '}' (the key's hash tag follows
	// it).
	Prefix string
	// Algorithm is ratelimit.GCRA (the default, as in process: one value
	// per key, a burst of Count then Count per Period spread evenly) or
	// ratelimit.SlidingWindow (a sorted set of the admitted requests of the
	// last period: exactly at most Count in any period, memory growing
	// with Count).
	Algorithm ratelimit.Algorithm
	// FailMode is FailOpen (default) or FailClosed.
	FailMode FailMode
	// Timeout bounds each decision, from the call to its answer, waiting
	// for a free slot included (default DefaultTimeout, at most
	// LargestTimeout); the caller's context still applies, so a decision
	// returns by the earlier of the two.
	Timeout time.Duration
	// MaxInFlight bounds the decisions of this Limiter waiting on Redis at
	// once (default: the client's PoolSize, so callers never wait for a
	// pooled connection; at most LargestMaxInFlight and at most the client's
	// PoolSize). A caller finding it full waits for a slot for at most half
	// its time, then is refused with ReasonBusy: a burst of callers is not
	// a Redis failure, so the fail mode does not apply to it.
	MaxInFlight int
	// LocalBatch, above 1, turns on a local token cache for keys so hot
	// that one round trip per decision is the bottleneck (GCRA only): a
	// decision that goes to Redis takes up to LocalBatch of the key's
	// permits at once, as GCRA would grant them one after another now, and
	// the next decisions of this Limiter for the key use them without a
	// round trip while they last, for at most LocalHold (on the engine's
	// clock). When the hold ends, the permits of the batch not used are
	// given back to Redis (one script, Stats.Returned), so other processes
	// can have them: as many as the batch took that are still ahead of the
	// server's time (a permit whose time has passed is not owed to anyone),
	// the rest lost, never admitted twice. The price: a permit is used up
	// to LocalHold after the server granted it, so in any interval of
	// length t a key admits at most Count + (t + LocalHold) * Count/Period
	// events across every process (at most LocalHold*Count/Period more than
	// without the cache; giving permits back does not raise it, as the key
	// then admits no more than if each batch had taken only the permits it
	// used). 0 or 1: off (the default); at most LargestLocalBatch.
	LocalBatch int
	// LocalHold is how long permits taken by LocalBatch are kept before
	// the unused ones go back (default DefaultLocalHold, at most
	// LargestLocalHold): a key idle that long holds no permit.
	LocalHold time.Duration
	// Now, if set, supplies the time instead of the Redis server's TIME. It
	// exists for tests that drive time with a fake clock; in production
	// leave it nil so every process shares the server's clock. Keys expire
	// on the server's clock a second after their last request aged out, or a
	// minute when Now is set (the two clocks differ).
	Now func() time.Time
}

// Validate reports the first field whose value is refused, as a
// *messages.ConfigError naming the field and the value. Zero values are
// valid (they take the defaults).
func (c Config) Validate() error {
	switch {
	case len(c.Prefix) > LongestPrefix:
		return messages.InvalidConfig(Kind, "Prefix", fmt.Sprintf("of %d bytes", len(c.Prefix)), fmt.Sprintf("must be at most %d bytes", LongestPrefix))
	case strings.ContainsAny(c.Prefix, "{}"):
		return messages.InvalidConfig(Kind, "Prefix", fmt.Sprintf("%q", c.Prefix), "must not contain '{' or '}' (the key's hash tag follows it)")
	case c.Algorithm > ratelimit.SlidingWindow:
		return messages.InvalidConfig(Kind, "Algorithm", c.Algorithm, "must be ratelimit.GCRA or ratelimit.SlidingWindow")
	case c.FailMode > FailClosed:
		return messages.InvalidConfig(Kind, "FailMode", c.FailMode, "must be FailOpen or FailClosed")
	case c.Timeout < 0 || c.Timeout > LargestTimeout:
		return messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be between 0 (default "+DefaultTimeout.String()+") and "+LargestTimeout.String())
	case c.MaxInFlight < 0 || c.MaxInFlight > LargestMaxInFlight:
		return messages.InvalidConfig(Kind, "MaxInFlight", c.MaxInFlight, fmt.Sprintf("must be between 0 (default: the client's PoolSize) and %d", LargestMaxInFlight))
	case c.LocalBatch < 0 || c.LocalBatch > LargestLocalBatch:
		return messages.InvalidConfig(Kind, "LocalBatch", c.LocalBatch, fmt.Sprintf("must be between 0 (off) and %d", LargestLocalBatch))
	case c.LocalBatch > 1 && c.Algorithm != ratelimit.GCRA:
		return messages.InvalidConfig(Kind, "LocalBatch", c.LocalBatch, "must be 0 or 1 under SlidingWindow (the cache takes GCRA permits)")
	case c.LocalHold < 0 || c.LocalHold > LargestLocalHold:
		return messages.InvalidConfig(Kind, "LocalHold", c.LocalHold, "must be between 0 (default "+DefaultLocalHold.String()+") and "+LargestLocalHold.String())
	}
	return nil
}

// withDefaults validates c and fills its zero fields; poolSize is the
// client's pool size.
func (c Config) withDefaults(poolSize int) (Config, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	c.Prefix = cmp.Or(c.Prefix, DefaultPrefix)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	if c.MaxInFlight > poolSize {
		return c, messages.InvalidConfig(Kind, "MaxInFlight", c.MaxInFlight, fmt.Sprintf("must be at most the client's PoolSize (%d): more would wait for a pooled connection", poolSize))
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = min(poolSize, LargestMaxInFlight)
	}
	c.LocalHold = cmp.Or(c.LocalHold, DefaultLocalHold)
	return c, nil
}
