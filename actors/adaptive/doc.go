// Package adaptive limits concurrency to a limit that it adapts to how the
// protected service behaves: additive increase and multiplicative decrease
// on the success rate (AIMD), or a latency-based algorithm (Vegas) that
// lowers the limit when latency rises before any error appears.
//
// # Use
//
// New gets or creates the limiter called name in an engine; Execute runs a
// call under a permit (Do, for a function that returns a value):
//
//	l, err := adaptive.New(eng, "search", adaptive.Config{MaxLimit: 200})
//	if err != nil {
//		return err // a *messages.ConfigError naming the field and the value
//	}
//	err = l.Execute(ctx, func(ctx context.Context) error { return search(ctx) })
//	if errors.Is(err, adaptive.ErrLimitExceeded) {
//		// every permit of the current limit is in use: shed the call
//	}
//
// Acquire and Release are the same in two steps (a *Limiter is an
// engine.Guard): every Permit Acquire grants is given back to Release
// exactly once, with the call's outcome.
//
// # Algorithms
//
// Both count completed calls (Release with Success or Failure; Ignored
// outcomes — a cancelled context — are not counted) in tumbling windows of
// Config.Window completions. At the end of a window its success rate
// r = successes / (successes + failures) and its failure rate 1 − r are
// compared with the thresholds, both inclusive:
//
//   - 1 − r >= DecreaseAtFailureRate: the limit is multiplied by
//     DecreaseFactor and rounded down (at least MinLimit). This is decided
//     as soon as the window's failures make it certain — when even if
//     every remaining call of the window succeeded the failure rate would
//     be at or above the threshold —
//     so a failing service is throttled without waiting for Window calls
//     (at the harvest that brings those failures in: see below).
//     The window then runs to its end and is not judged a second time.
//   - AIMD: r >= IncreaseAtSuccessRate raises the limit by Increase (at most
//     MaxLimit); strictly between the thresholds it is held.
//   - Vegas: with 1 − r < DecreaseAtFailureRate, latency decides. The window's mean
//     round-trip time (recent) is compared with a baseline (an exponential
//     average of earlier windows' means over BaselineWindows windows). The
//     estimated queue is q = ceil(limit × (1 − baseline/recent)). With
//     alpha = max(3, ceil(3·log10(limit))) and beta = max(6, ceil(6·log10(limit)))
//     as in Netflix's Vegas limiter (for small limits beta is at most
//     limit/2 and alpha at most beta/2): q >= beta lowers the limit to
//     floor(limit × max(0.5, baseline/recent)) (a gradient, as in Gradient2,
//     at least one less); q <= alpha raises it by Increase if r >=
//     IncreaseAtSuccessRate and the window's peak in-flight reached half the
//     limit (a limit nobody uses is not raised); otherwise it is held.
//
// The limit is always an integer between MinLimit and MaxLimit.
//
// # Events
//
// limit_changed is published by the actor each time the limit moves:
// Count is the old limit, Max the new one, Reason one of ReasonSuccessRate,
// ReasonFailureRate and ReasonLatency, Elapsed Vegas's last window mean
// latency. Rejections publish
// nothing (they are counted in Stats.Rejected).
//
// # When the limit reacts
//
// Release does not hand its outcome to the actor; it adds it to counters
// the actor collects (its harvest) when a caller nudges it — once about a
// window's worth of completions, or of the failures that decide a window
// early, may have accumulated — before each Stats copy, and after each
// batch of messages. The decisions are those above for the same
// completions, but each is taken at the harvest that brings in the
// completion deciding it: at most about one window of completions later
// (one failure share later for an early decrease), or at the next Stats.
// A harvest that runs past a window's end splits its completions between
// the windows in proportion (the failures and the latency alike); within a
// window their order does not matter.
//
// # Concurrency
//
// A Limiter is safe for concurrent use. Its permits are a count of calls
// in flight that Acquire raises by compare-and-swap while it is below the
// limit, which the owning actor (one goroutine under the engine's
// supervisor, ending at Shutdown) alone sets: Acquire takes a permit
// without a round trip and is rejected at once when none is free (the
// limiter never queues). Release lowers the count (the same word counts
// the grants, so a success needs no report of its own) and adds any other
// outcome to one of a few striped counters; it never blocks and sends at
// most one message, a nudge, when one is due and none is on its way.
// Under Vegas a Permit carries its start on the engine's clock and Release
// measures the latency on it. A lower limit refuses new calls until enough
// of those in flight have completed, so calls already admitted are never
// interrupted. Permits are tokens: each names a slot, kept in the striped
// cells of the caller's core or, when those are full, in a ledger
// (actors/internal/waitq.Ledger), and the slot's sequence; a Release of a
// permit that is not held — released already, the zero Permit, a permit
// of another instance — frees nothing, reports no outcome and is counted
// in Stats.Misused.
//
// # Zero values
//
// A zero Config field takes the default Config's comments give (a limit
// starting at 100 between 10 and 1000, windows of 100 completions, AIMD).
// The zero Permit is nobody's permit. Stats is a value copy.
//
// # Errors and lifetime
//
// A refused Acquire is a *messages.RejectedError matching
// ErrLimitExceeded, with Reason ReasonAtLimit; a bad Config, or a nil
// function, is a *messages.ConfigError matching messages.ErrInvalidConfig.
// New with a name that exists returns that limiter when the Config (after
// defaults) is the same, and a *supervisor.ConflictError otherwise. The
// actor's goroutine ends when the engine shuts down; after that every call
// returns messages.ErrStopped. Its striped counters and slots are
// allocated by the first Acquire.
//
// # Live reconfiguration
//
// Reconfigure changes a running limiter's Config, all but its Algorithm:
// the current limit is kept, clamped into the new [MinLimit, MaxLimit]
// (with a limit_changed event if it moved), calls in flight finish, and a
// limit below them admits nobody until enough have completed. A
// config_changed event names what changed, and New compares against the
// new Config from then on.
package adaptive
