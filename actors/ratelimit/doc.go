// Package ratelimit is Bulwark's local rate limiter: a limit per key (a
// user, an IP address, an API token) with bounded memory and an exact
// Retry-After. Interface is what it shares with the Redis limiter
// (adapters/redis): code written against Interface and KeyGuard runs on
// either.
//
// # Rates and algorithms
//
// A rate is "N/period" — "10/second", "100/minute", "5/h", "1000/days"
// (see ParseRate) — or a Rate value; each (key, rate) pair is an
// independent limit, and two spellings of one rate ("2/s", "2/second") are
// the same limit. A malformed or unusable rate is a *RateError quoting it:
// the limiter never fails open on one.
//
// Two algorithms, chosen in Config:
//
//   - GCRA (the default), the generic cell rate algorithm: one timestamp per
//     key, the "theoretical arrival time" TAT. A request at now is allowed
//     iff max(TAT, now) + T - now <= N*T, with T = Period/N; then TAT moves
//     on by T. A burst of N, then N per period spread evenly, with an exact
//     RetryAfter. Decisions are exact for every rate of at most one event
//     per nanosecond and a Period of at most LargestPeriod, also when
//     Period/N is not a whole number of nanoseconds: in any interval of
//     length t a key is granted at most N + floor(t*N/Period) events.
//   - SlidingWindow, the sliding-window counter: the counts of the current
//     and the previous window of one period, the previous one weighted by
//     how much of it still overlaps the last period. At most N a window,
//     and the previous window's traffic weighs on the next (a "1/second"
//     key that used its permit waits up to two seconds). N is at most
//     LargestWindowCount, less for short periods (the *RateError names the
//     largest N the period takes).
//
// # Deciding
//
// Rejected requests never consume quota. Allow returns nil or a
// *messages.RejectedError wrapping ErrLimited (messages.ErrRateLimited)
// with a Reason constant and RetryAfter; Check gives the same verdict as a
// Result and never allocates. Wait blocks on the engine's clock: under GCRA
// it reserves the key's next permit, so waiters are served in order, and a
// Wait whose context ends gives its permit back unless a later permit was
// reserved behind it; it fails at once, consuming nothing, with
// ReasonDeadline when the wait would outlast ctx's deadline. A key known in
// advance is bound once with Limiter.Guard: its KeyGuard decides without
// parsing, hashing or looking the key up, and is the engine.Guard that
// composes with the other patterns. Stats counts keys and decisions by
// reason. Events EventRateLimitPassed and EventRateLimitExceeded carry
// Fields.Key and Fields.Limit (the rate as the caller wrote it); they are
// built only when someone subscribes.
//
// # Memory
//
// Per-key state lives in tables owned by shard actors, never in a
// goroutine per key: one 64-byte cell per (key, rate) and an 8-byte slot.
// A key idle for longer than its window (a GCRA key: one more period) is
// forgotten by its shard's sweep (every Config.SweepInterval on the
// engine's clock, in chunks so that new keys are served between them, and
// before a table grows); memory is bounded by the keys active within one
// period. Config.MaxKeys caps the keys held: a full limiter never forgets
// a key that is still limited, it refuses the new key instead
// (ReasonKeyLimit, with the time until a key goes idle). The limiter keeps
// the key string it was first given, as a Go map would: copy a key that is
// a slice of a large buffer.
//
// # Concurrency
//
// A Limiter and its KeyGuards are safe for concurrent use. Keys are
// sharded by hash over Config.Shards actors, each the only writer of its
// key table. A decision does not go through a mailbox: it is one
// CompareAndSwap of the key's word of state, computed by the pure
// functions of state.go, so every limit holds exactly under any
// interleaving; only a key's first use (or its use after eviction) asks its
// shard. A decision allocates nothing, refusals included.
//
// # Goroutines
//
// A Limiter runs one actor goroutine per shard, all owned by the engine's
// supervisor (shard 0 is registered under the limiter's name, the others
// as ShardKind "<name>/<i>"). Shard 0 starts with the limiter; another
// shard is made and started when a key first lands in it, and a shard
// arms its sweep timer only while it holds keys, so an idle limiter keeps
// one goroutine (none once idle under engine.WithOnDemandActors), no timer
// and no key table, and holds one shard and a pointer for each other,
// whatever the number of processors. A panic in a shard is recovered by the
// supervisor, which restarts the loop on the same table, so no key loses
// its limit. After Engine.Shutdown every call returns messages.ErrStopped,
// Waits included, and no goroutine remains.
//
// # Live reconfiguration
//
// Limiter.Reconfigure changes MaxKeys, SweepInterval and Algorithm while
// the limiter runs (not Shards). Every key keeps its state, so every limit
// holds across it exactly, unless the Algorithm changes: then every key
// starts afresh. A smaller MaxKeys forgets the idle keys at once and
// never a limited one. A config_changed event names what changed, and New
// compares against the new Config from then on.
package ratelimit
