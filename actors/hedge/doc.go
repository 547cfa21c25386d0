// Package hedge runs a slow call again beside itself: after a delay with
// no answer, another attempt starts; the first success wins and the
// others' contexts are cancelled (Polly's hedging, failsafe-go's
// HedgePolicy).
//
// The delay is fixed (Config.Delay) or the Percentile-th percentile of the
// latencies of recent successful calls (Config.Percentile, over the last
// Window successes, recomputed every quarter window; until a quarter
// window has been seen, Delay). At most MaxHedges attempts start after the
// first. A budget bounds the extra load: after n calls at most
// BudgetBurst + n × BudgetPercent / 100 hedges have started, so an outage
// that slows every call does not double the load; a hedge the budget
// refuses is counted in Stats.Rejected and the call waits for the attempts
// already running.
//
// A failed attempt: if HedgeOn accepts its error (DefaultHedgeOn: any
// error but a context error and Bulwark's own refusals), the next hedge
// starts at once (budget permitting) and the others keep running; the
// call fails with the last error when no attempt is left running and none
// may start. An error HedgeOn refuses is the call's result at once.
//
// Goroutines. Every attempt, the first included, runs in a goroutine of
// its own under a context derived from the caller's; the call returns as
// soon as it has its result, cancelling that context (whose Done channel
// is made only when an attempt asks for it: a call costs one allocation
// for its state and one per attempt started; on the real clock its
// channel and delay timer are kept for another call once nothing can
// send on the channel any more). Attempts still
// running then are not waited for (Attempt(ctx) tells an attempt which
// one it is): they end when their function returns,
// which a context-aware function does at once. A panic in the attempt
// whose outcome the call takes is re-raised in the caller; a panic in an
// attempt that lost is dropped.
//
// A caller who gave up, and Shutdown (engine.Policy's rules): a caller
// whose context ends gets zero and an error matching ctx.Err() at once; a
// call whose context had already ended runs nothing. After the engine's
// Shutdown a Hedge made with it runs nothing and returns
// messages.ErrStopped, and a running call starts no more hedges.
//
// In a composition (engine.Compose has no slot for it: use engine.Chain)
// everything below the Hedge runs once per attempt: put a bulkhead or a
// limiter below it to have each attempt admitted, above it to admit the
// call once.
//
// Hedge is safe for concurrent use; its state (budget word, latency
// window, counters) is held in atomics the callers update. Time comes from
// the engine's clock: tests drive delays with engine.FakeClock.
//
// Events (only built when someone subscribes; the types are this
// package's): hedge_started (Attempt, 2-based, and MaxAttempts) and
// hedge_won (Attempt, MaxAttempts, Elapsed = the winner's time).
package hedge
