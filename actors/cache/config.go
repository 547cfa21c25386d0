package cache

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
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

// defaults are the values of a Config's zero fields.
var defaults = Config{TTL: DefaultTTL, MaxEntries: DefaultMaxEntries, MaxBytes: DefaultMaxBytes, Key: KeyFrom}

func (c Config) withDefaults() Config { return conf.Fill(c, &defaults) }

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := conf.Check(Kind, conf.In("TTL", c.TTL, 1, LargestTTL), conf.In("StaleFor", c.StaleFor, 0, LargestTTL),
		conf.In("NegativeTTL", c.NegativeTTL, 0, LargestTTL),
		conf.If("Negative", "set", c.Negative == nil || c.NegativeTTL > 0, "needs NegativeTTL > 0")); err != nil {
		return err
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

// memoryDefaults are the values of a MemoryConfig's zero fields.
var memoryDefaults = MemoryConfig{MaxEntries: DefaultMaxEntries, MaxBytes: DefaultMaxBytes}

func (c MemoryConfig) withDefaults() MemoryConfig { return conf.Fill(c, &memoryDefaults) }

// Validate reports the first field of c that NewMemoryStore would refuse,
// as a *messages.ConfigError.
func (c MemoryConfig) Validate() error {
	c = c.withDefaults()
	return conf.Check(Kind, conf.In("MaxEntries", c.MaxEntries, 1, LargestMaxEntries), conf.In("MaxBytes", c.MaxBytes, 1, LargestMaxBytes))
}
