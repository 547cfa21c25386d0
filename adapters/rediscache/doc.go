// Package rediscache is a cache.Store on Redis (go-redis/v9's
// UniversalClient: single node, Sentinel or Cluster), so that processes
// share one cache.
//
// Each entry is one Redis string under Prefix+key, written with SET … PX
// so that Redis drops it when it is no longer servable (at its Stale
// time). The value is encoded by a Codec; a cached error travels as its
// message only (errors.Is against the original sentinel does not hold
// across processes). Every entry read is a new *cache.Entry, so a stale
// entry is refreshed once per reader rather than coalesced (see
// cache.Store).
//
// The cache.Store methods take no context and return no error: each
// command runs under Config.Timeout, and a Redis error (or a value the
// Codec refuses) is a miss for Get and a dropped entry for Set, counted in
// Errors. go-redis applies a context's deadline to the socket only with
// Options.ContextTimeoutEnabled set; without it a command is bounded by
// the client's own read and write timeouts. The Store is safe for concurrent use and has no goroutine.
package rediscache
