package ratelimit

import (
	"runtime"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the local rate limiter in events, errors and
// the supervisor's registry.
const Kind = "ratelimit"

// ShardKind is the registry kind of a limiter's extra shard actors, named
// "<name>/<i>" for i >= 1 (shard 0 is registered as the limiter itself).
const ShardKind = "ratelimit.shard"

// Algorithm selects how a key's rate is enforced.
type Algorithm uint8

// Algorithms.
const (
	// GCRA (the default) is the generic cell rate algorithm: one timestamp
	// per key, a burst of Count and then Count per Period spread evenly —
	// the leaky bucket of the original (aiolimiter) — with an exact
	// RetryAfter.
	GCRA Algorithm = iota
	// SlidingWindow counts requests in the current and previous windows of
	// one Period and weighs the previous one by its overlap with the last
	// Period (the "sliding window counter"). It admits up to Count at the
	// start of each window when the previous one was quiet; Count is at
	// most LargestWindowCount per Period, less for short periods.
	SlidingWindow
)

// String returns "gcra" or "sliding_window".
func (a Algorithm) String() string {
	switch a {
	case GCRA:
		return "gcra"
	case SlidingWindow:
		return "sliding_window"
	}
	return "unknown"
}

// DefaultSweepInterval is how often, by default, each shard forgets the keys
// that have gone idle.
const DefaultSweepInterval = 10 * time.Second

// Bounds of Config's fields.
const (
	// LargestShards is the largest Config.Shards.
	LargestShards = 256
	// LargestMaxKeys is the largest Config.MaxKeys.
	LargestMaxKeys = 1 << 40
	// SmallestSweepInterval and LargestSweepInterval bound a non-zero
	// Config.SweepInterval.
	SmallestSweepInterval = time.Millisecond
	LargestSweepInterval  = time.Hour
)

// Config configures a Limiter. Zero fields take the documented defaults.
// Config is comparable: asking for an existing name with a different Config
// is an error.
type Config struct {
	// Algorithm is GCRA (default) or SlidingWindow.
	Algorithm Algorithm
	// Shards is the number of actors keys are spread over by hash, rounded
	// up to a power of two, at most 256. Zero means GOMAXPROCS rounded up to
	// a power of two, read when the limiter is created: a later New or
	// Reconfigure with Shards 0 of a limiter made with Shards 0 derives the
	// same count, whatever GOMAXPROCS is then. With a MaxKeys cap there are
	// at most MaxKeys shards (rounded down to a power of two), so that each
	// holds at least one key.
	Shards int
	// MaxKeys, if positive, caps the number of (key, rate) pairs held, at
	// most 2^40. The cap is split over the shards (their shares add up to
	// MaxKeys exactly), so a new key may be refused while another shard
	// still has room. A full shard first forgets its idle keys; if none is
	// idle it rejects the new key (ReasonKeyLimit) rather than forget a key
	// that is still limited. Zero means no cap: memory is bounded by the
	// keys active within one Period.
	MaxKeys int
	// SweepInterval is how often each shard sweeps out idle keys, between
	// 1 ms and 1 hour (default DefaultSweepInterval). Idle keys are also
	// dropped lazily, before a shard's table grows.
	SweepInterval time.Duration
}

// Validate reports the first field of c that New would refuse, as a
// *messages.ConfigError naming it and its value; nil if c is usable.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults is defaultsFor with today's GOMAXPROCS.
func (c Config) withDefaults() (Config, error) { return c.defaultsFor(runtime.GOMAXPROCS(0)) }

// defaultsFor returns c with its defaults, a zero Shards derived from
// procs (a GOMAXPROCS), or the *messages.ConfigError of the first field
// out of its bounds.
func (c Config) defaultsFor(procs int) (Config, error) {
	if c.Algorithm > SlidingWindow {
		return c, messages.InvalidConfig(Kind, "Algorithm", c.Algorithm, "must be GCRA or SlidingWindow")
	}
	if c.Shards < 0 || c.Shards > LargestShards {
		return c, messages.InvalidConfig(Kind, "Shards", c.Shards, "must be between 0 (default) and 256")
	}
	if c.MaxKeys < 0 || c.MaxKeys > LargestMaxKeys {
		return c, messages.InvalidConfig(Kind, "MaxKeys", c.MaxKeys, "must be between 0 (no cap) and 2^40")
	}
	if c.SweepInterval != 0 && (c.SweepInterval < SmallestSweepInterval || c.SweepInterval > LargestSweepInterval) {
		return c, messages.InvalidConfig(Kind, "SweepInterval", c.SweepInterval, "must be between 1ms and 1h (0: the default, 10s)")
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = DefaultSweepInterval
	}
	if c.Shards == 0 {
		c.Shards = procs
	}
	n := 1
	for n < c.Shards {
		n <<= 1
	}
	c.Shards = min(n, LargestShards)
	for c.MaxKeys > 0 && c.Shards > c.MaxKeys {
		c.Shards >>= 1
	}
	return c, nil
}

// shardKeys is shard i's share of c.MaxKeys (c defaulted; 0: no cap). The
// shares add up to MaxKeys exactly, each at least 1 (there are at most
// MaxKeys shards).
func (c Config) shardKeys(i int) int {
	if c.MaxKeys == 0 {
		return 0
	}
	n := c.MaxKeys / c.Shards
	if i < c.MaxKeys%c.Shards {
		n++
	}
	return n
}
