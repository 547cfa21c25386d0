// Package actors is the home of Bulwark's patterns, one package each.
//
// Stateful patterns run as supervised actors: one goroutine owns the
// instance's state, the engine finds it by name, and callers stay off its
// mailbox on the common path (see each package): circuitbreaker,
// ratelimit, bulkhead, loadshed, backpressure, adaptive, and retry's shared
// Budget. The others run in the caller's goroutine with no goroutine of
// their own: retry, timeout (and deadline), fallback, hedge (whose attempts
// run in goroutines of the call), coalesce and cache (whose state is a few
// atomic words and lock-free maps).
//
// Every pattern has a Config whose zero fields take documented defaults and
// whose sizes have documented bounds, a New that returns a ConfigError
// naming the field and the value for bad input, Stats, and an Execute or
// Do that runs a function under it; each composes with engine.Compose or
// engine.Chain. A user imports engine and the patterns; the patterns are
// built on engine/kernel (Actor, Spawn, Snapshot), which a user never
// imports. This package itself holds nothing.
package actors
