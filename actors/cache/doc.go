// Package cache is a TTL cache policy: a call whose key has a fresh entry
// returns the entry without running the function; any other call runs it
// and stores what it returned.
//
// Keys. Cache.Get takes the key per call. As an engine.Policy (For, in
// engine.Compose or engine.Chain) the key comes from Config.Key, a
// function of the call's context; by default the key a caller attached
// with WithKey. A call with no key runs the function uncached (Bypassed).
//
// Lifetime of an entry, on the engine's clock (engine.FakeClock in tests):
//
//   - fresh for Config.TTL after the function returned: a hit;
//   - then stale for Config.StaleFor (stale-while-revalidate): the first
//     caller that finds it stale runs the function itself (the refresh)
//     while every other caller gets the stale entry at once; refreshes are
//     coalesced, one at a time per entry. A refresh that ends in an error
//     that is not cached leaves the stale entry in place, and the next
//     caller tries again. The refresh runs in the caller's goroutine under
//     the caller's context, so no goroutine outlives a call;
//   - then expired: a miss, as if absent.
//
// Negative caching. With Config.NegativeTTL set, errors chosen by
// Config.Negative (nil: every error) are stored for NegativeTTL and a hit
// returns the error without calling. Bulwark's own refusals
// (messages.IsRefusal) and context errors are never cached. Errors are
// never served stale.
//
// Stores. A Store holds entries by key. The default, MemoryStore, is
// in-process, bounded in entries and in bytes, and evicts by CLOCK (second
// chance); it takes no lock (see MemoryStore). Entries are shared: a value
// a hit returns is the stored one, so callers must treat it as read-only.
//
// A caller who gave up, and Shutdown (the rules of engine.Policy): a call
// whose context had already ended runs nothing and gets ctx.Err(); a
// caller whose context ended while the function ran gets zero and an
// error matching ctx.Err() (the value the function returned is still
// stored, as it is good for the next caller). After the engine's Shutdown
// a Cache made with it runs nothing and returns messages.ErrStopped.
//
// Stats count every keyed call once: Calls = Hits + Misses, where a hit
// did not run the function (fresh, stale or negative hits) and a miss did
// (refreshes included), in striped counters (actors/internal/tally).
//
// Events: each keyed call publishes one event saying how it was served
// (EventCacheHit, EventCacheStaleHit, EventCacheNegativeHit,
// EventCacheMiss, EventCacheRefresh; a miss and a refresh carry how long
// the function took), never its key. When nobody subscribes to them a
// call pays one atomic load.
//
// A Cache is safe for concurrent use and has no goroutine of its own.
package cache
