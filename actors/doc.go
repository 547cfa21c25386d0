// Package actors is the home of Bulwark's nine patterns, one package each:
// circuitbreaker, retry, timeout, bulkhead, fallback, ratelimit, loadshed,
// backpressure and adaptive. Each is a pure state machine (time comes in as
// an argument), the thin actor loop that owns it, and the typed handle users
// call. This package itself holds nothing.
package actors
