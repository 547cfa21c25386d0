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
//     from each client's clock. Memory grows with the limit.
//   - GCRA: one timestamp per key (the theoretical arrival time); a burst
//     of Limit, then one request every Period/Limit. Memory is fixed per key.
//
// Both return the exact time until the next request would be admitted.
// Keys are Prefix + ":{" + key + "}" (plus a suffix), so Redis Cluster keeps
// a key's commands on one slot.
//
// When Redis fails, a Limiter fails open (admits) or closed (rejects) as
// configured, publishes EventBackendError at most once a second, and
// recovers by itself when Redis answers again: every decision tries Redis.
package redis
