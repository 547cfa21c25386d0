package redis

import (
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the distributed rate limiter in events and
// errors.
const Kind = "ratelimit-redis"

// Algorithm selects how limits are counted.
type Algorithm uint8

// Algorithms.
const (
	// SlidingWindow counts admitted requests in the last period (a sorted
	// set per key). The default.
	SlidingWindow Algorithm = iota
	// GCRA keeps one timestamp per key.
	GCRA
)

// FailMode says what a decision does when Redis cannot be reached.
type FailMode uint8

// Fail modes.
const (
	// FailOpen admits the request (the default, as the original): an
	// outage of Redis must not become an outage of the service.
	FailOpen FailMode = iota
	// FailClosed rejects the request with an error that wraps both
	// ErrRateLimited and the Redis error.
	FailClosed
)

// DefaultPrefix starts every key the limiter writes.
const DefaultPrefix = "bulwark:ratelimit"

// Config configures a Limiter. Zero fields take the defaults.
type Config struct {
	// Prefix starts every key (default DefaultPrefix).
	Prefix string
	// Algorithm is SlidingWindow (default) or GCRA.
	Algorithm Algorithm
	// FailMode is FailOpen (default) or FailClosed.
	FailMode FailMode
	// Timeout bounds each Redis round trip (default 100 ms); the caller's
	// context still applies.
	Timeout time.Duration
	// Now, if set, supplies the time instead of the Redis server's TIME. It
	// exists for tests that drive time with a fake clock; in production
	// leave it nil so every process shares the server's clock.
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Algorithm > GCRA {
		return c, messages.InvalidConfig(Kind, "Algorithm", c.Algorithm, "must be SlidingWindow or GCRA")
	}
	if c.FailMode > FailClosed {
		return c, messages.InvalidConfig(Kind, "FailMode", c.FailMode, "must be FailOpen or FailClosed")
	}
	if c.Timeout < 0 {
		return c, messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must not be negative")
	}
	if c.Timeout == 0 {
		c.Timeout = 100 * time.Millisecond
	}
	return c, nil
}
