package rediscache

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/cache"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the component name in configuration errors.
const Kind = "rediscache"

// DefaultTimeout bounds each Redis command; LargestTimeout is the longest
// Config.Timeout accepted; LongestPrefix the longest Config.Prefix.
const (
	DefaultTimeout = 100 * time.Millisecond
	LargestTimeout = time.Minute
	LongestPrefix  = 256
)

// Codec turns values into bytes and back. It must be safe for concurrent
// use.
type Codec[V any] interface {
	Marshal(v V) ([]byte, error)
	Unmarshal(b []byte) (V, error)
}

// Config configures a Store. Zero fields take the defaults.
type Config struct {
	// Prefix is put before every key (at most LongestPrefix bytes); default
	// "bulwark:cache:". Put a hash tag in it ("{users}:") to keep a
	// cache's keys on one Cluster slot.
	Prefix string
	// Timeout bounds each command, in (0, LargestTimeout]; default 100 ms.
	Timeout time.Duration
}

func (c Config) withDefaults() Config {
	c.Prefix = cmp.Or(c.Prefix, "bulwark:cache:")
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	return c
}

// Validate reports the first field of c that New would refuse, as a
// *messages.ConfigError.
func (c Config) Validate() error {
	switch c = c.withDefaults(); {
	case len(c.Prefix) > LongestPrefix:
		return messages.InvalidConfig(Kind, "Prefix", c.Prefix, "must be at most LongestPrefix (256) bytes")
	case c.Timeout < 0 || c.Timeout > LargestTimeout:
		return messages.InvalidConfig(Kind, "Timeout", c.Timeout, "must be in (0, LargestTimeout (1m)]")
	}
	return nil
}

// Store is a cache.Store on Redis. See the package doc.
type Store[V any] struct {
	client goredis.UniversalClient
	codec  Codec[V]
	cfg    Config
	now    func() time.Time
	errs   atomic.Uint64
}

var _ cache.Store[int] = (*Store[int])(nil)

// New returns a Store on client. now is the clock the entries' times are
// read against (nil: time.Now); give the engine's Clock().Now so that
// Redis's expiry and the Cache agree.
func New[V any](client goredis.UniversalClient, codec Codec[V], cfg Config, now func() time.Time) (*Store[V], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch {
	case client == nil:
		return nil, messages.InvalidConfig(Kind, "client", nil, "must not be nil")
	case codec == nil:
		return nil, messages.InvalidConfig(Kind, "codec", nil, "must not be nil")
	}
	if now == nil {
		now = time.Now
	}
	return &Store[V]{client: client, codec: codec, cfg: cfg.withDefaults(), now: now}, nil
}

// Errors returns how many commands failed or read an undecodable value.
func (s *Store[V]) Errors() uint64 { return s.errs.Load() }

// Get reads key's entry; a Redis error is a miss.
func (s *Store[V]) Get(key string) (*cache.Entry[V], bool) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	b, err := s.client.Get(ctx, s.cfg.Prefix+key).Bytes()
	if err != nil {
		if !errors.Is(err, goredis.Nil) {
			s.errs.Add(1)
		}
		return nil, false
	}
	e, err := decode(b, s.codec)
	if err != nil {
		s.errs.Add(1)
		return nil, false
	}
	return e, true
}

// Set writes e under key, to expire at e.Stale; a Redis error drops it.
func (s *Store[V]) Set(key string, e *cache.Entry[V]) {
	ttl := e.Stale.Sub(s.now())
	if ttl < time.Millisecond {
		return
	}
	b, err := encode(e, s.codec)
	if err != nil {
		s.errs.Add(1)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	if err := s.client.Set(ctx, s.cfg.Prefix+key, b, ttl).Err(); err != nil {
		s.errs.Add(1)
	}
}

// Delete removes key's entry.
func (s *Store[V]) Delete(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.Timeout)
	defer cancel()
	if err := s.client.Del(ctx, s.cfg.Prefix+key).Err(); err != nil {
		s.errs.Add(1)
	}
}

// The encoding: Fresh and Stale as Unix nanoseconds (8 bytes each, big
// endian), a kind byte (0 value, 1 error), then the codec's bytes or the
// error's message.
const header = 17

var errCorrupt = errors.New("rediscache: corrupt entry")

func encode[V any](e *cache.Entry[V], codec Codec[V]) ([]byte, error) {
	var payload []byte
	kind := byte(0)
	if e.Err != nil {
		kind, payload = 1, []byte(e.Err.Error())
	} else {
		var err error
		if payload, err = codec.Marshal(e.Value); err != nil {
			return nil, err
		}
	}
	b := make([]byte, header, header+len(payload))
	binary.BigEndian.PutUint64(b[0:], uint64(e.Fresh.UnixNano()))
	binary.BigEndian.PutUint64(b[8:], uint64(e.Stale.UnixNano()))
	b[16] = kind
	return append(b, payload...), nil
}

func decode[V any](b []byte, codec Codec[V]) (*cache.Entry[V], error) {
	if len(b) < header || b[16] > 1 {
		return nil, errCorrupt
	}
	e := &cache.Entry[V]{Fresh: time.Unix(0, int64(binary.BigEndian.Uint64(b[0:]))),
		Stale: time.Unix(0, int64(binary.BigEndian.Uint64(b[8:])))}
	if b[16] == 1 {
		e.Err = errors.New(string(b[header:]))
		return e, nil
	}
	v, err := codec.Unmarshal(b[header:])
	if err != nil {
		return nil, err
	}
	e.Value = v
	return e, nil
}

// String is a Codec for string values.
type String struct{}

// Marshal returns v's bytes.
func (String) Marshal(v string) ([]byte, error) { return []byte(v), nil }

// Unmarshal returns b as a string.
func (String) Unmarshal(b []byte) (string, error) { return string(b), nil }
