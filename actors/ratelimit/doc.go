// Package ratelimit is Bulwark's local rate limiter: a limit per key (a
// user, an IP address, an API token) with bounded memory and an honest
// Retry-After.
//
// # What it does
//
// A rate is "N/period" — "10/second", "100/minute", "5/h", "1000/days"
// (see ParseRate) — and each (key, rate) pair is an independent limit, as
// in the original (aiolimiter per "key:rate"). Two spellings of one rate
// ("2/s", "2/second") are the same limit. A malformed rate is an error
// quoting it (*RateError); unlike the original the limiter never fails
// open on one.
//
// Two algorithms, chosen in Config:
//
//   - GCRA (default), the generic cell rate algorithm: one timestamp per
//     key, the "theoretical arrival time" TAT. A request at now is allowed
//     iff max(TAT, now) + T - now <= N*T, with T = period/N; then TAT moves
//     on by T. That is the original's leaky bucket — a burst of N, then N
//     per period spread evenly — with an exact RetryAfter (the time until
//     the request would pass). Decisions are exact for every rate of at
//     most one event per nanosecond (and a period of at most 2^62 ns;
//     others are a *RateError), also when Period/N is not a whole
//     number of nanoseconds (see state.go): in any interval of length t a
//     key is granted at most N + floor(t*N/Period) events. Wait reserves a
//     future permit, so waiters are served in order; a cancelled wait gives
//     its permit back unless a later permit was granted behind it (as
//     x/time/rate's Reservation.Cancel), so no two waiters share a permit.
//   - SlidingWindow, the sliding-window counter: the counts of the current
//     and the previous window of one period, the previous one weighted by
//     how much of it still overlaps the last period. At most N a window,
//     and the previous window's traffic weighs on the next (a "1/second"
//     key that used its permit waits up to two seconds). N is at most
//     1,048,575, and less for periods too short to number their windows
//     for 30 days in the bits the counts leave (a *RateError names the
//     largest N the period takes).
//
// Rejected requests never consume quota. Allow returns a *messages.RejectedError wrapping ErrLimited
// (messages.ErrRateLimited); Check is the same verdict as a Result value
// and never allocates. Wait blocks on the engine's clock and fails fast,
// consuming nothing, when its context's deadline is too close (as
// x/time/rate's Wait). A key known in advance is bound once with
// Limiter.Guard: its *KeyGuard decides without parsing, hashing or looking
// the key up, and is the engine.Guard that composes with the other
// patterns. Stats counts keys and decisions. Events
// EventRateLimitPassed and EventRateLimitExceeded carry Fields.Key and
// Fields.Limit (the rate as the caller wrote it); they are built only when
// someone subscribes, and are published by the deciding goroutine (the
// stream never blocks a publisher).
//
// # Memory
//
// Per-key state lives in tables owned by shard actors, never in a goroutine
// per key: one 64-byte cell per (key, rate) and an 8-byte slot. A key that
// has been idle longer than its window holds nothing a fresh key would not
// (its TAT is in the past), and it is forgotten: each shard sweeps its
// table on the engine's clock (Config.SweepInterval) in chunks of 4096
// slots (one message each, so new keys are served between them), sweeps it
// whole before it grows, and shrinks it as keys leave. A GCRA key is kept one more period
// after it went idle, so a key used steadily below its rate is not dropped
// and re-created between uses. An optional cap (Config.MaxKeys) never
// forgets a key that is still limited — the original's LRU did, handing
// the evicted key a fresh quota — it refuses the new key instead
// (ReasonKeyLimit, with the time until a key goes idle). The cap holds
// for the whole limiter: it is split over the shards in shares that add
// up to it exactly (see Config.MaxKeys). Measured
// (TestMemoryMillionKeys): one million keys seen once each over 10 s cost
// 97 bytes a key while live; after their window and a sweep the live heap
// is 0.2 MB. The limiter keeps the key string it was first given, as a Go
// map would: copy a key that is a slice of a large buffer.
//
// # Concurrency: why a CompareAndSwap, and why that is still an actor
//
// A decision costs about 40 ns; a round trip to an actor costs about 300.
// So keys are sharded over several actors by hash (Config.Shards, default
// GOMAXPROCS rounded up to a power of two), and a decision does not go
// through any mailbox. Each shard actor owns its key set and its memory:
// only its goroutine creates a cell, places it in the table, moves it,
// evicts it and replaces the table (the table is an array of atomic
// pointers that only the owner writes; callers read it without locks, and
// a caller that misses — a cell being moved, a table being replaced —
// simply asks the owner, whose answer is authoritative). The admission
// decision itself is a single CompareAndSwap of the key's one word of
// state: it needs no lock because there is nothing to hold — reading the
// word, computing the pure next state (state.go) and swapping it in is
// atomic, and a lost race just recomputes. A caller's clock reading may
// be older than the word's last update (it read the clock and was
// descheduled): under GCRA that only makes the inequality stricter, or
// finds TAT behind a time no other grant could have passed; the sliding
// window decides it as at the start of the word's window, never as a new
// window. Eviction is the same operation:
// the owner swaps an idle word for a "dead" marker, so a decision and an
// eviction of one key are ordered by the word itself — the decision wins
// (the key is busy again, the owner leaves it) or finds the cell dead and
// asks the owner for a fresh one. No sync.Mutex anywhere; the first use of
// a key is the only round trip.
//
// We chose this over a channel of permits refilled by the owner for a hot
// key: a permit channel costs a channel receive (~20-50 ns, more under
// contention) plus refill traffic through the actor, cannot give an exact
// RetryAfter without asking the owner, and serves only keys known in
// advance to be hot; the per-key word serves a hot key and a million cold
// keys the same way. A hot key called from several cores is one word they
// all write, so each decision moves its cache line between them; handing a
// hot key's permits out to each core in batches would avoid that at the
// price of GCRA's exact order and RetryAfter, and we kept exactness.
//
// A decision allocates nothing, refusals included, and reads the clock
// with Clock.Since (monotonic only). A key's first use is a round trip to
// its shard. Measured costs are in the README's "How fast".
//
// # Goroutines
//
// A Limiter runs one actor goroutine per shard, all owned by the engine's
// supervisor (shard 0 is registered under the limiter's name, the others
// as ShardKind "<name>/<i>"). Each shard's sweep timer posts a message to
// its actor; the timer is stopped when the actor's loop ends. A panic in a
// shard is recovered by the supervisor, which restarts the loop on the same
// table, so no key loses its limit. After Engine.Shutdown every call
// returns messages.ErrStopped, and no goroutine remains.
package ratelimit
