// Package httpclient puts Bulwark's patterns around outgoing HTTP calls.
//
// RetryTransport (an http.RoundTripper) retries what is safe to retry:
// requests with an idempotent method or an Idempotency-Key, their bodies
// replayed through GetBody, on connection errors and on 429, 502, 503 and
// 504, waiting at least what the response's Retry-After asks (up to the
// retry schedule's MaxDelay). Each host (req.URL.Host) can have its own
// retry budget and circuit breaker, named on the engine. Every response it
// drops is drained and closed, so no connection leaks.
//
// Transport (an http.RoundTripper) asks one engine.Guard — a circuit
// breaker, bulkhead, rate limiter, adaptive limiter — for a permit before
// each request and reports how it went: a transport error or a 5xx
// response is a failure, a request whose context was cancelled (with or
// without a cause, as errgroup cancels) is neither.
// A rejected request never reaches the network; RoundTrip returns the
// guard's error (errors.Is(err, messages.ErrCircuitOpen) and so on), which
// http.Client wraps in a *url.Error.
//
// The permit is released when the response headers arrive, so a guard
// that limits concurrency counts requests in flight up to their headers,
// not while the caller reads the body.
//
// Retrying on a response's status with a retry policy
// (retry.For[*http.Response](r).RetryIfResult) drops each retried
// response: RetryOnStatus(p, codes...) retries on those statuses and drains
// and closes every response it drops (its OnDiscard hook), so every
// connection goes back to the pool while the response the caller gets stays
// readable; Discard does the same for a response the caller drops itself. RetryAfter reads a response's Retry-After
// (seconds or an HTTP-date), bounded.
package httpclient
