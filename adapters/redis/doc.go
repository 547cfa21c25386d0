// Package redis is Bulwark's distributed rate limiter: limits shared by
// every process that talks to the same Redis (single node, Sentinel or
// Cluster, through go-redis/v9's UniversalClient).
//
// Each decision is one Lua script, so it is atomic on the server however
// many processes ask at once. Two algorithms are offered:
//
//   - SlidingWindow (the original library's): a sorted set of the admitted
//     requests of the last period. Unlike the original, only admitted
//     requests are recorded (a client hammering a full window is not locked
//     out forever), every member is unique (requests in the same
//     microsecond are all counted), and the time is read from Redis, not
//     from each client's clock. Memory grows with the limit (at most
//     MaxWindowLimit).
//   - GCRA: one value per key (the theoretical arrival time, kept exactly in
//     microseconds and 1/limit fractions of one); a burst of Limit, then one
//     request every Period/Limit, with no rounding. Memory is fixed per key.
//
// Both count in whole microseconds, exactly: a period must be a whole number
// of microseconds within [MinPeriod, MaxPeriod], and both return the exact
// time until the next request would be admitted.
//
// Keys are Prefix + ":{" + tag + "}:" + limit + "/" + period + a suffix,
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
// ReasonBackendUnavailable) as configured, publishes EventBackendError at most
// once a second, and recovers by itself when Redis answers again: every
// decision tries Redis. At most Config.MaxInFlight decisions wait on Redis at
// once; a burst beyond that is refused with ReasonBusy, which is local
// overload, not a Redis failure.
package redis
