// Package retry re-runs a failing call with a backoff between attempts.
//
// A *Retry is stateless and runs in the caller's goroutine: it needs no
// actor to be correct. Between attempts it waits with engine.Sleep on the
// engine's clock, so a cancelled context ends the wait at once (and tests
// drive the waits with an engine.FakeClock).
//
// Delays: Exponential waits InitialDelay × Multiplier^(n-1) after the n-th
// failed attempt, Linear waits InitialDelay + Step × (n-1), Constant waits
// InitialDelay. The delay is capped at MaxDelay, then jittered (Proportional
// as the original: ± Jitter × delay; Full, Equal and Decorrelated as in
// "Exponential Backoff And Jitter"), and capped at MaxDelay again: a delay
// never exceeds MaxDelay (the original's could reach MaxDelay × (1+jitter)).
//
// Which errors are retried is a documented choice (DefaultRetryOn): every
// error except the context's own (context.Canceled, DeadlineExceeded: the
// caller has gone or run out of time) and the rejections of Bulwark's own
// patterns that mean "do not hammer me" — ErrCircuitOpen, ErrBulkheadFull,
// ErrShed, ErrBackpressure, ErrLimitExceeded, ErrRateLimited, ErrStopped.
// A timeout of one attempt (messages.ErrTimeout) is retried. If you choose
// to retry a rejection, a *messages.RejectedError's RetryAfter is honoured:
// the wait is at least RetryAfter (capped at MaxDelay).
//
// Deadlines. No wait starts that would end at or past the deadline the
// next attempt would run under — the caller's context's, or, in an
// engine.Composition, that of a timeout.ForDeadline stage below the retry
// (engine.Next.Deadline): the loop gives up at once with an
// *ExhaustedError (Reason "deadline") that keeps the last error. So a
// timeout of a shared deadline is never retried once it has fired.
//
// A caller who gave up, and Shutdown. Once the caller's context has ended
// no attempt and no wait starts, and the caller gets zero and an error
// matching ctx.Err() with the last attempt's error kept alongside
// (engine.CallerGone) — also when that attempt succeeded after the
// context ended: the rule of every Bulwark policy (engine.Policy). After
// the engine's Shutdown a Retry made with it runs nothing and returns
// messages.ErrStopped; Shutdown during a wait ends the wait with
// ErrStopped (the last error kept alongside).
//
// Per-error strategies (Config.PerError) override the backoff for the
// errors they match; the first match wins and each strategy counts its own
// attempts (the original shared one counter).
//
// When the attempts run out — on errors or on results that RetryIfResult
// rejects — the caller gets an *ExhaustedError that wraps
// messages.ErrRetriesExhausted and the last error, and carries the last
// result (the original returned a rejected result as a success).
//
// A Budget, shared by many calls and many Retry values, caps retries at a
// share of calls over a sliding window (as Finagle's RetryBudget and
// Envoy's retry budget) so retries cannot multiply the load on a failing
// backend. The budget is an actor: calls deposit with a one-way message,
// and each retry asks for a token.
//
// Events (only built when someone subscribes):
//   - retry_attempt: Attempt = the attempt about to run, MaxAttempts, Delay,
//     Reason "error" or "result", Err = the error that caused it;
//   - retry_success: Attempt = the attempt that succeeded, published only
//     when it is not the first (the original published one per success);
//   - retry_exhausted: Attempt, MaxAttempts, Reason "attempts",
//     "max_duration", "deadline" or "budget", Err.
//
// Errors that are not retried (RetryOn false, AbortOn true) come back
// unchanged, with no event.
//
// Stats are the original's retry metrics — attempts, successful and failed
// attempts, exhausted calls, total delay, the last error, the success rate
// — plus calls and calls not retried; each call is counted once, when it
// returns, in striped counters (actors/internal/tally: about 10 ns a call,
// no allocation). ResetStats is the original's reset_metrics.
package retry
