package cache

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Cache serves calls from a Store while their entries are fresh. It is
// safe for concurrent use and has no goroutine of its own; it is also an
// engine.Policy[V] (keyed by Config.Key).
type Cache[V any] struct {
	name  string
	cfg   Config
	eng   *engine.Engine
	clock engine.Clock
	store Store[V]
	stats *tally.Set // see stats.go
}

var _ engine.Policy[int] = (*Cache[int])(nil)

// New returns a Cache named name over store; a nil store means a new
// MemoryStore bounded by cfg.MaxEntries and cfg.MaxBytes. eng may be nil:
// then the real clock is used. Bad configuration is a
// *messages.ConfigError.
func New[V any](eng *engine.Engine, name string, cfg Config, store Store[V]) (*Cache[V], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if store == nil {
		m, err := NewMemoryStore[V](cfg.memory())
		if err != nil {
			return nil, err
		}
		store = m
	}
	c := &Cache[V]{name: name, cfg: cfg, eng: eng, clock: engine.RealClock{}, store: store, stats: tally.New()}
	if eng != nil {
		c.clock = eng.Clock()
	}
	return c, nil
}

// Name returns c's name.
func (c *Cache[V]) Name() string { return c.name }

// Config returns the configuration in force (defaults filled in).
func (c *Cache[V]) Config() Config { return c.cfg }

// Store returns c's store.
func (c *Cache[V]) Store() Store[V] { return c.store }

// Get returns key's entry while it is fresh (or stale while another caller
// refreshes it), else runs fn and stores its result; see the package doc.
// A nil fn is an error wrapping messages.ErrInvalidConfig.
func (c *Cache[V]) Get(ctx context.Context, key string, fn func(context.Context) (V, error)) (V, error) {
	if fn == nil {
		var zero V
		return zero, errNilFunc
	}
	return get(ctx, c, key, fnCall[V](fn))
}

// Invalidate removes key's entry.
func (c *Cache[V]) Invalidate(key string) { c.store.Delete(key) }

// Apply implements engine.Policy: the rest of the chain runs on a miss,
// under the key Config.Key finds in ctx; without a key it runs uncached.
func (c *Cache[V]) Apply(ctx context.Context, next engine.Next[V]) (V, error) {
	key, ok := c.cfg.Key(ctx)
	if !ok {
		if c.eng.Stopped() {
			var zero V
			return zero, messages.ErrStopped
		}
		if err := ctx.Err(); err != nil {
			var zero V
			return zero, err
		}
		c.stats.Add(cBypassed, 1)
		v, err := next.Call(ctx)
		if ctx.Err() != nil {
			var zero V
			return zero, engine.CallerGone(ctx, err)
		}
		return v, err
	}
	return get(ctx, c, key, next)
}

// For returns c as an engine.Policy[V], for engine.UsePolicy.
func For[V any](c *Cache[V]) engine.Policy[V] { return c }

type ctxKey struct{}

// WithKey returns a context carrying key for a Cache in a composition.
func WithKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, ctxKey{}, key)
}

// KeyFrom returns the key WithKey attached to ctx: the default
// Config.Key.
func KeyFrom(ctx context.Context) (string, bool) {
	k, ok := ctx.Value(ctxKey{}).(string)
	return k, ok
}

type caller[V any] interface {
	Call(context.Context) (V, error)
}

type fnCall[V any] func(context.Context) (V, error)

func (f fnCall[V]) Call(ctx context.Context) (V, error) { return f(ctx) }

var errNilFunc = messages.InvalidConfig(Kind, "fn", nil, "must not be nil")

// get serves key from the store or through cl.
func get[V any, C caller[V]](ctx context.Context, c *Cache[V], key string, cl C) (V, error) {
	var zero V
	if c.eng.Stopped() {
		return zero, messages.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	e, _ := c.store.Get(key)
	switch e.At(c.clock.Now()) {
	case Fresh:
		c.hit(e, cFresh)
		return e.Value, e.Err
	case Stale:
		if !e.refreshing.CompareAndSwap(false, true) {
			c.hit(e, cStale)
			return e.Value, e.Err
		}
		c.count(cMiss, cRefresh)
		// Whatever happens (an error, a panic, a store that dropped the
		// new entry), a stale entry still in the store may be refreshed
		// by the next caller.
		defer func() {
			if cur, ok := c.store.Get(key); ok && cur == e {
				e.refreshing.Store(false)
			}
		}()
		published := c.missTimer(EventCacheRefresh)
		v, err := cl.Call(ctx)
		c.put(key, v, err)
		published()
		return c.finish(ctx, v, err)
	}
	c.count(cMiss, cMiss)
	published := c.missTimer(EventCacheMiss)
	v, err := cl.Call(ctx)
	c.put(key, v, err)
	published()
	return c.finish(ctx, v, err)
}

// put stores what a call returned, if it is to be cached.
func (c *Cache[V]) put(key string, v V, err error) {
	if e := entryFor(&c.cfg, v, err, c.clock.Now()); e != nil {
		c.store.Set(key, e)
		c.stats.Add(cStored, 1)
	}
}

func (c *Cache[V]) finish(ctx context.Context, v V, err error) (V, error) {
	if ctx.Err() != nil {
		var zero V
		return zero, engine.CallerGone(ctx, err)
	}
	return v, err
}
