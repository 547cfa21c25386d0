// Package retry re-runs a failing call, with a backoff between attempts.
//
// Use. Make a *Retry with New and run calls with Execute, Do, or For[T]
// (an engine.Policy[T] for engine.Compose and engine.Chain, where each
// attempt passes the stages below again):
//
//	r, err := retry.New(eng, "payments", retry.Config{Backoff: retry.Backoff{MaxAttempts: 4}})
//	v, err := retry.Do(ctx, r, charge)
//
// A Retry is stateless and runs in the caller's goroutine: it starts no
// goroutine, is safe for concurrent use, and costs nothing between calls.
// A zero Retry is not usable; a zero Config takes the defaults (3
// attempts, exponential backoff from 1 s doubling up to 60 s, ±10 %
// jitter, DefaultRetryOn). Waits run on the engine's clock, so tests drive
// them with engine.FakeClock; with a nil engine they use the real clock.
//
// The loop. After each attempt that does not succeed, the loop decides
// (a pure function of the attempt, its error and the time):
//
//   - an error AbortOn matches, or one that matches no PerError schedule
//     and that RetryOn refuses, comes back unchanged;
//   - otherwise the schedule in force (the first PerError whose Match
//     takes the error, else the default; each counts its own attempts)
//     decides the wait: Exponential InitialDelay × Multiplier^(n-1),
//     Linear InitialDelay + Step × (n-1), Constant InitialDelay, capped
//     at MaxDelay, jittered (Proportional ± Jitter × delay, Full, Equal or
//     Decorrelated), capped at MaxDelay again, and raised to a refusal's
//     RetryAfter (still at most MaxDelay);
//   - the loop gives up with an *ExhaustedError when the schedule has run
//     its MaxAttempts (ReasonAttempts), when the wait would end more than
//     MaxDuration after the first attempt (ReasonMaxDuration), when it
//     would end at or past the deadline the next attempt would run under —
//     the caller's context's, or that of a timeout.ForDeadline stage below
//     in a composition — (ReasonDeadline), or when the Budget refuses the
//     retry (ReasonBudget).
//
// DefaultRetryOn retries every error except context.Canceled,
// context.DeadlineExceeded and Bulwark's own refusals (messages.IsRefusal:
// local overload is no reason for more load); a Bulwark timeout
// (messages.ErrTimeout) is retried. RetryIfResult retries on results too.
//
// Errors. An *ExhaustedError wraps messages.ErrRetriesExhausted and the
// last error, and carries the last result. A caller whose context ends
// gets zero and an error matching ctx.Err(), the last attempt's error
// kept alongside (engine.CallerGone) — also when that attempt succeeded
// after the context ended; no attempt and no wait starts after it. After
// the engine's Shutdown a Retry runs nothing and returns
// messages.ErrStopped; a wait in progress ends with ErrStopped. A nil
// function is an error wrapping messages.ErrInvalidConfig, and so is a
// Config outside its bounds (Validate names the field and the value).
//
// Dropped results. Policy.OnDiscard's function — or, in a composition,
// the composition's (engine.Composition.OnDiscard) — receives every
// attempt's result that the loop drops (retried, or left by a caller who
// gave up), so that a result holding a resource — an *http.Response's
// body and its connection — is released.
//
// A Budget caps retries at a share of calls over a sliding window, shared
// by many calls and many Retry values, so that retries cannot multiply the
// load on a failing backend. It is an actor, supervised by the engine:
// each call deposits with a one-way message, and each retry asks it for a
// token.
//
// Events (built only when someone subscribes):
//   - retry_attempt: Attempt = the attempt about to run, MaxAttempts, Delay,
//     Reason ReasonError or ReasonResult, Err = the error that caused it;
//   - retry_success: Attempt = the attempt that succeeded, when it is not
//     the first;
//   - retry_exhausted: Attempt, MaxAttempts, Reason (ReasonAttempts,
//     ReasonMaxDuration, ReasonDeadline or ReasonBudget), Err.
//
// Stats counts each call once, when it returns (Calls = Succeeded +
// Exhausted + NotRetried), with its attempts and waits; it never blocks.
// ResetStats sets the counts back to zero.
package retry
