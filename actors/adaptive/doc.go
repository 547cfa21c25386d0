// Package adaptive limits concurrency to a limit that it adapts to how the
// protected service behaves: the adaptive concurrency limiter of the
// original library (AIMD), with integer limits and documented thresholds,
// plus a latency-based algorithm that lowers the limit when latency rises
// before any error appears.
//
// # Algorithms
//
// Both count completed calls (Release with Success or Failure; Ignored
// outcomes — a cancelled context — are not counted) in tumbling windows of
// Config.Window completions. At the end of a window the success rate
// r = successes / (successes + failures) is compared with the thresholds,
// both inclusive:
//
//   - r <= FailureThreshold: the limit is multiplied by DecreaseFactor and
//     rounded down (at least MinLimit). This is decided as soon as the
//     window's failures make it certain — when even if every remaining
//     call of the window succeeded r would be at or below the threshold —
//     so a failing service is throttled without waiting for Window calls.
//     The window then runs to its end and is not judged a second time.
//   - AIMD: r >= SuccessThreshold raises the limit by Increase (at most
//     MaxLimit); strictly between the thresholds it is held.
//   - Vegas: with r > FailureThreshold, latency decides. The window's mean
//     round-trip time (recent) is compared with a baseline (an exponential
//     average of earlier windows' means over BaselineWindows windows). The
//     estimated queue is q = ceil(limit × (1 − baseline/recent)). With
//     alpha = max(3, ceil(3·log10(limit))) and beta = max(6, ceil(6·log10(limit)))
//     as in Netflix's Vegas limiter (for small limits beta is at most
//     limit/2 and alpha at most beta/2): q >= beta lowers the limit to
//     floor(limit × max(0.5, baseline/recent)) (a gradient, as in Gradient2,
//     at least one less); q <= alpha raises it by Increase if r >=
//     SuccessThreshold and the window's peak in-flight reached half the
//     limit (a limit nobody uses is not raised); otherwise it is held.
//
// The limit is always an integer between MinLimit and MaxLimit.
//
// # Events
//
// limit_changed is published by the actor each time the limit moves:
// Count is the old limit, Max the new one, Reason one of the Change
// constants, Elapsed Vegas's last window mean latency. Rejections publish
// nothing (they are counted in Stats.Rejected).
//
// # Concurrency
//
// A Limiter is safe for concurrent use. Its permits are a channel that the
// owning actor (one goroutine under the engine's supervisor, ending at
// Shutdown) fills to the current limit: Acquire takes one without a round
// trip and is rejected at once when none is free (the limiter never
// queues). Release puts the permit back and tells the actor the outcome
// with a one-way message the actor drains in batches; it never blocks (if
// the mailbox is full the outcome goes into counters the actor folds in
// after its batch). Under Vegas a Permit carries its start on the engine's
// clock and Release measures the latency on it. A lower limit is
// applied by the actor withdrawing permits as they come back, so calls
// already admitted are never interrupted. After Shutdown every call
// returns messages.ErrStopped.
package adaptive
