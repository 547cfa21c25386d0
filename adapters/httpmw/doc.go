// Package httpmw puts Bulwark's patterns in front of net/http handlers.
//
// Compose takes the same engine.Policies as engine.Compose (Composed, any
// engine.Composition) and runs each request under all of them in one
// pass: circuit breaker, rate limiter, timeout, bulkhead, load shedder and
// the rest, with one response writer and one outcome per request. A
// RateGuard in it limits per client (KeyFunc, ClientIP) and per route
// (Rates: a rate per ServeMux pattern or method and pattern) on any
// ratelimit.Interface, in process (actors/ratelimit) or on Redis
// (adapters/redis); Prioritized gives a load
// shedder each request's priority (PriorityHeader). Guard and RateLimit are
// the one-pattern middlewares; they stack with Compose and each other.
//
// New (or Guard, its shorthand that panics at setup) wraps a handler in any
// engine.Guard — a circuit breaker, bulkhead, load shedder, backpressure
// gate, adaptive limiter or rate limiter: the request asks the guard for a
// permit, the handler runs, and the outcome is reported from the final
// status the handler wrote (5xx is a failure by default). A client that
// went away is neither success nor failure; a server-side timeout is a
// failure; a refusal written by another Bulwark guard inside (stacked
// middleware) is neutral by default, as Bulwark's own refusals are
// everywhere. Flush (with its error), Hijack and http.ResponseController
// work through the middleware. A rejected
// request gets the status that Status maps its error to — 429 for a rate
// limit, 503 for the other rejections, 504 for a timeout — with a
// Retry-After computed from the rejection (the remaining open time of a
// breaker, the exact wait of a rate limiter) — or, for a refusal that
// carries no wait (a full bulkhead, a shed request), Options.RetryAfterHint
// if set — and a small JSON body that leaks no internal error text.
//
// RateLimit limits each request under a rate per key (the client's
// address by default, with forwarding headers believed only from trusted
// proxies: ClientIP) and route; its rates are checked when it is built. Timeout ends a
// request's context at its deadline and answers 504 at once if the
// handler has written nothing, without buffering the response.
//
// Health-check paths are excluded by default. Unlike the original
// library's middlewares, every guard here records outcomes (the original's
// Sanic and aiohttp middlewares never fed the breaker), a rejection is
// always a clean 503/429 (its bulkhead middleware crashed with a 500), and
// a permit is released exactly once, also when the handler panics.
package httpmw
