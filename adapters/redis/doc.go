// Package redis is Bulwark's distributed rate limiter: a
// ratelimit.Interface whose limits are shared by every process that talks
// to the same Redis (single node, Sentinel or Cluster, through go-redis/v9's
// UniversalClient). Code written for the local limiter (actors/ratelimit)
// runs on it unchanged: the same rate grammar and Rate type, the same
// default algorithm, Result, reasons and errors; its KeyGuard is the
// engine.Guard that engine.Compose and the HTTP middleware take.
//
// Each decision is one Lua script, so it is atomic on the server however
// many processes ask at once, and the time is the server's (Config.Now
// replaces it in tests). Two algorithms, as Config.Algorithm:
//
//   - ratelimit.GCRA (the default): one value per key (the theoretical
//     arrival time, kept exactly in microseconds and 1/Count fractions of
//     one); a burst of Count, then one request every Period/Count, with no
//     rounding. Memory is fixed per key. Wait reserves the key's next
//     permit on the server, so waiters of every process are served in
//     order; a cancelled Wait gives its permit back only if no later
//     reservation or admission depends on it.
//   - ratelimit.SlidingWindow: a sorted set of the admitted requests of the
//     last period: at most Count in any period, exactly. Only admitted
//     requests are recorded, every member is unique, and memory grows with
//     Count (at most LargestWindowCount).
//
// For a key so hot that one round trip per decision is the bottleneck,
// Config.LocalBatch (GCRA only) lets a decision take several of the key's
// permits at once and the next decisions of the same Limiter use them
// locally for at most Config.LocalHold, then gives the unused ones back:
// fewer round trips, for a bounded over-admission (see Config.LocalBatch).
//
// Both count in whole microseconds, exactly: a rate's period must be a
// whole number of microseconds within [SmallestPeriod, LargestPeriod]
// (every rate ParseRate reads is), and both return the exact time until
// the next request would be admitted.
//
// Keys are Prefix + ":{" + tag + "}:" + count + "/" + period + a suffix,
// where tag is the caller's key when it is 1 to 256 bytes without braces
// (and not starting with '#' or '%'), else an encoding of it (base64 of the
// key, or of its SHA-256 digest past 256 bytes): any key, whatever its
// bytes, is stored, distinct keys stay distinct, and all keys of a decision
// share one Redis Cluster slot. Keys reach the scripts only as KEYS.
//
// A decision returns by the earlier of the caller's deadline and
// Config.Timeout, so the client must honour context deadlines (go-redis's
// ContextTimeoutEnabled; New refuses a client without it). When Redis fails
// or is too slow, a Limiter fails open (admits) or closed (refuses with
// ReasonBackendUnavailable) as configured, publishes EventBackendError at
// most once a second, and recovers by itself when Redis answers again:
// every decision tries Redis. At most Config.MaxInFlight decisions wait on
// Redis at once; a burst beyond that is refused with ReasonBusy, which is
// local overload, not a Redis failure.
package redis
