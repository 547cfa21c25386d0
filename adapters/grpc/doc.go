// Package grpc puts Bulwark's patterns around gRPC calls: unary and
// stream interceptors, for servers and for clients, that run every call
// under the same engine.Policies as engine.Compose — circuit breaker, rate
// limiter, timeout, bulkhead, load shedder and the rest — in one pass.
//
// It lives in a module of its own (github.com/bulwark-go/bulwark/adapters/grpc)
// so that the core module does not depend on google.golang.org/grpc.
// Import it under another name, since the gRPC package is called grpc
// too:
//
//	import bulwarkgrpc "github.com/bulwark-go/bulwark/adapters/grpc"
//
// Per-client limits: a RateGuard as the server's Policies.RateLimiter
// limits each client (PeerAddr, or a key of your own) under a rate per
// method (Rates), on any ratelimit.Interface (actors/ratelimit, or
// adapters/redis shared across processes).
//
// Status codes. A call refused by a Bulwark pattern ends with
// RESOURCE_EXHAUSTED when a rate limiter refused it and UNAVAILABLE for
// every other refusal (an open circuit, a full bulkhead, a shed call,
// backpressure, a concurrency limit, a limiter that could not decide, a
// stopped engine); the wait the refusal carries, if any, goes to the
// client as "retry-after" trailer metadata in whole seconds. A Bulwark
// timeout or a deadline ends with DEADLINE_EXCEEDED. The error keeps the
// Bulwark error inside (errors.Is(err, messages.ErrCircuitOpen) works on
// the client's own refusals). The handler's own errors pass unchanged.
//
// A client honours the server's wait: a refusal that carries a
// "retry-after" is a *Pushback, which a retry policy with RetryOn:
// Retryable retries no sooner than asked (and no later than its
// MaxDelay).
//
// Outcomes. Policies.Classify, when nil, is Classify: the codes that say
// the server failed (UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE,
// DATA_LOSS) and plain errors are failures; the other codes (NOT_FOUND,
// INVALID_ARGUMENT, ...) are the caller's, successes for a breaker;
// cancellation and Bulwark's own refusals are neutral.
//
// A server stream holds its permits for the stream's whole life: the
// handler runs inside the composition. A client stream is admitted, timed
// and retried at its start (creating the stream); its later messages are
// not judged.
//
// The interceptors are safe for concurrent use and start no goroutine.
package grpc
