package cache

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the cache in errors.
const Kind = "cache"

// Defaults of a Config.
const (
	DefaultTTL        = time.Minute
	DefaultMaxEntries = 10_000
	DefaultMaxBytes   = 64 << 20
)

// Bounds of a Config: Validate refuses values past them.
const (
	// LargestTTL is the longest TTL, StaleFor and NegativeTTL (30 days).
	LargestTTL = 30 * 24 * time.Hour
	// LargestMaxEntries is the largest MaxEntries (the default store
	// allocates one word per entry up front).
	LargestMaxEntries = 1 << 24
	// LargestMaxBytes is the largest MaxBytes (1 TiB).
	LargestMaxBytes = 1 << 40
)

// Config configures a Cache. Zero fields take the defaults.
type Config struct {
	// TTL is how long an entry stays fresh after the function returned,
	// in (0, LargestTTL]; default 1 min.
	TTL time.Duration
	// StaleFor is how long after TTL an entry may still be served while
	// one caller refreshes it, in [0, LargestTTL]; 0 (the default) serves
	// nothing stale.
	StaleFor time.Duration
	// NegativeTTL is how long a cached error stays, in [0, LargestTTL]; 0 (the
	// default) caches no error.
	NegativeTTL time.Duration
	// Negative chooses the errors to cache when NegativeTTL > 0; nil means
	// every error. Refusals and context errors are never cached. Setting it
	// without NegativeTTL is a configuration error.
	Negative func(error) bool
	// Key returns a call's key from its context in a composition; ok false
	// runs the call uncached. Nil means KeyFrom (the key given by WithKey).
	Key func(ctx context.Context) (key string, ok bool)
	// MaxEntries bounds the default store, in [1, LargestMaxEntries];
	// default 10 000. Ignored when New is given a Store.
	MaxEntries int
	// MaxBytes bounds the default store's entries' sizes (MemoryConfig),
	// in [1, LargestMaxBytes]; default 64 MiB. Ignored when New is given a
	// Store.
	MaxBytes int64
}

func (c Config) withDefaults() Config {
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	m := c.memory()
	c.MaxEntries, c.MaxBytes = m.MaxEntries, m.MaxBytes
	if c.Key == nil {
		c.Key = KeyFrom
	}
	return c
}

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	c = c.withDefaults()
	for _, d := range []struct {
		field string
		v     time.Duration
		min   time.Duration
	}{{"TTL", c.TTL, 1}, {"StaleFor", c.StaleFor, 0}, {"NegativeTTL", c.NegativeTTL, 0}} {
		if d.v < d.min {
			return messages.InvalidConfig(Kind, d.field, d.v, "must not be negative")
		}
		if d.v > LargestTTL {
			return messages.InvalidConfig(Kind, d.field, d.v, "must be at most LargestTTL (720h)")
		}
	}
	if c.Negative != nil && c.NegativeTTL == 0 {
		return messages.InvalidConfig(Kind, "Negative", "set", "needs NegativeTTL > 0")
	}
	return c.memory().Validate()
}

// memory returns the default store's configuration, defaults filled in.
func (c Config) memory() MemoryConfig {
	return MemoryConfig{MaxEntries: c.MaxEntries, MaxBytes: c.MaxBytes}.withDefaults()
}

// MemoryConfig configures a MemoryStore. Zero fields take the defaults.
type MemoryConfig struct {
	// MaxEntries is how many entries the store holds, in
	// [1, LargestMaxEntries]; default 10 000.
	MaxEntries int
	// MaxBytes bounds the sum of the entries' sizes, in [1, LargestMaxBytes];
	// default 64 MiB. An entry's size is len(key) plus EntryOverhead plus,
	// for a string or []byte value, its length (other values count their
	// fixed size only; Sizer says otherwise).
	MaxBytes int64
}

func (c MemoryConfig) withDefaults() MemoryConfig {
	if c.MaxEntries == 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return c
}

// Validate reports the first field of c that NewMemoryStore would refuse,
// as a *messages.ConfigError.
func (c MemoryConfig) Validate() error {
	switch c = c.withDefaults(); {
	case c.MaxEntries < 1 || c.MaxEntries > LargestMaxEntries:
		return messages.InvalidConfig(Kind, "MaxEntries", c.MaxEntries, "must be in [1, LargestMaxEntries (16777216)]")
	case c.MaxBytes < 1 || c.MaxBytes > LargestMaxBytes:
		return messages.InvalidConfig(Kind, "MaxBytes", c.MaxBytes, "must be in [1, LargestMaxBytes (1 TiB)]")
	}
	return nil
}
