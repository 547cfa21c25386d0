// Package circuitbreaker stops calling a backend that keeps failing: a
// circuit breaker that opens on consecutive failures, on a failure rate or
// on a slow-call rate over a sliding window, lets trial calls through after
// a recovery timeout, and can be forced open or disabled.
//
// # Use
//
// New gets or creates the breaker called name in an engine; Execute runs a
// call through it (Do, for a function that returns a value):
//
//	cb, err := circuitbreaker.New(eng, "payments", circuitbreaker.Config{FailureThreshold: 5})
//	if err != nil {
//		return err // a *messages.ConfigError naming the field and the value
//	}
//	err = cb.Execute(ctx, func(ctx context.Context) error { return pay(ctx) })
//	if errors.Is(err, circuitbreaker.ErrOpen) {
//		wait, _ := messages.RetryAfter(err) // how long the circuit stays open
//	}
//
// Acquire and Release are the same in two steps (a *Breaker is an
// engine.Guard): every Permit Acquire grants is given back to Release
// exactly once, with the call's outcome (Classify maps an error to one).
//
// # States
//
// CLOSED lets every call through and counts outcomes. The circuit opens on
// FailureThreshold consecutive failures, or when the failure rate (or the
// rate of calls slower than SlowCallDuration) over the window — the last
// WindowSize calls, or the last WindowDuration in WindowBuckets buckets —
// reaches OpenAtFailureRate (OpenAtSlowCallRate), once the window holds
// MinimumCalls calls. OPEN rejects every call with an error matching
// ErrOpen whose RetryAfter is the open time left. RecoveryTimeout after the
// moment the circuit opened (on the engine's monotonic clock; a failure
// reported late by a call admitted before it opened does not move that
// moment), the circuit turns HALF_OPEN: up to HalfOpenMaxCalls trial calls
// at a time pass, SuccessThreshold consecutive trial successes close the
// circuit and any trial failure opens it again; when OpenAtSlowCallRate is
// set, trials are judged by it too. A trial holds a lease: if it has not
// reported within HalfOpenLease its slot is reclaimed and it counts as a
// failure (its report, whenever it comes, is not counted again), so a hung
// call cannot wedge HALF_OPEN.
//
// Every change of state bumps a generation; a permit belongs to the
// generation it was granted in, and a report from an older generation is
// counted in Stats but moves no state. SetMode forces the circuit open,
// disables it (every call passes and is counted) or hands it back to the
// state machine; Reset closes it and zeroes the counts. Reconfigure changes
// the Config while the breaker runs, keeping its state, counts and (when
// its shape is unchanged) its window, and judges the new thresholds at
// once.
//
// # Which errors count
//
// Config.IsFailure decides for a non-nil error; without it,
// messages.ClassifyError does: context.Canceled (the caller gave up) and
// Bulwark's own refusals (messages.IsRefusal: a full bulkhead, a shed or
// rate-limited call, an inner circuit open, a stopped engine) are neutral,
// and every other error, deadlines included, is a failure. Neutral
// outcomes move nothing and are counted apart (Stats.Ignored). A call that
// runs past Config.Timeout is always a failure. A panic in the user's
// function is reported as a failure and goes on.
//
// # Permits
//
// A permit is a token. Release of the zero Permit, of another breaker's
// permit, or of any permit a second time frees nothing, counts nothing
// and is counted in Stats.Misused. A permit of CLOSED (or Disabled) holds
// a slot in one of the breaker's striped cells from Acquire to Release,
// named in its token with the slot's sequence number, so that a stale
// token does not match the slot once another permit holds it (unless the
// slot was taken 2^31 times in between); when every slot is held, the
// actor grants the permit and holds it. A half-open trial holds its lease.
// A permit never released keeps its slot (a trial, its lease until
// HalfOpenLease).
//
// # Concurrency
//
// A *Breaker is safe for concurrent use. One actor (a goroutine owned by
// the engine's supervisor) owns the state machine and publishes a
// read-only snapshot after every change. In CLOSED, Acquire decides from
// that snapshot and claims a slot by compare-and-swap; the Release of a
// success that is not slow frees the slot and adds one to its cell's
// counter, which the actor collects: no message, no round trip, no
// allocation. Every other outcome is a message to the actor that carries
// how many successes had been counted before it, and the actor puts it in
// that place: the circuit opens on the same outcomes, in the order the
// calls returned, as if every call went through the actor, whatever the
// interleaving and whoever subscribes. The Release of a failure or of a
// trial waits until the actor has applied it, so after the failure that
// trips the circuit returns, the same goroutine's next Acquire is
// rejected. Calls admitted before the circuit opened still run and report.
// In OPEN, rejections are decided from the snapshot too. The first call of
// a breaker (the actor then allocates the cells), a call that finds every
// slot held, and every call in HALF_OPEN (so that no more than
// HalfOpenMaxCalls trials are in flight) wait for one round trip to the
// actor. Release waits otherwise only while the mailbox is full
// (Config.MailboxSize). Latency
// is measured (two clock reads a call) only when SlowCallDuration is set.
//
// # Zero values
//
// A zero Config field takes the default its comment gives; a zero Config
// is a breaker that opens after 5 consecutive failures for 60 seconds.
// The zero Permit is nobody's permit. Stats is a value copy: Total =
// Succeeded + Failed + Rejected, with Ignored apart.
//
// # Errors
//
// A rejection is a *messages.RejectedError matching ErrOpen, its Reason
// ReasonOpen, ReasonForcedOpen or ReasonHalfOpenFull and its RetryAfter
// the time until a call may pass (zero when forced open). A call past
// Config.Timeout returns a *messages.TimeoutError matching ErrTimeout and
// context.DeadlineExceeded. A bad Config, or a nil function, is a
// *messages.ConfigError matching messages.ErrInvalidConfig. After the
// engine shuts down every call returns messages.ErrStopped.
//
// # Events
//
// Events are built only when the engine's event stream has subscribers.
// Each carries Pattern "circuitbreaker" and the breaker's Name; states are
// written "closed", "open", "half_open".
//
//   - state_change: every change of state. OldState, NewState, Reason (one
//     of the Reason constants), Count (consecutive failures).
//   - circuit_opened: after state_change into OPEN. Same fields, plus Delay
//     (the recovery timeout; zero when forced open).
//   - circuit_closed: after state_change into CLOSED. Same fields.
//   - circuit_reset: on every Reset, even of a closed circuit. OldState,
//     NewState "closed", Reason "reset".
//   - call_success: each success released while a subscriber's filter took
//     them (a success released while none did publishes nothing).
//     OldState and NewState (the state before and after the report), Count
//     (consecutive successes up to this one), Elapsed (latency, when
//     measured).
//   - call_failure: each counted failure. As call_success, with Count the
//     consecutive failures. When a failure opens the circuit, state_change
//     and circuit_opened come first.
//   - call_rejected: each rejection. OldState = NewState (the state),
//     Reason ("open", "forced_open", "half_open_full"), Delay (the
//     RetryAfter given), Count (rejections so far).
//   - config_changed: each Reconfigure that changed something. OldState
//     and NewState hold the changed fields ("FailureThreshold=5",
//     "FailureThreshold=3"); a change of state it causes comes first.
//
// Handlers run in the stream's goroutines, never in the actor's: a
// handler may call back into the breaker.
//
// # Lifetime
//
// New gets or creates a breaker by name in an engine (same name and Config:
// the same *Breaker; another Config: a *supervisor.ConflictError — IsFailure
// compares by code pointer). Its goroutine and its timer (armed through the
// engine's clock for the next recovery, lease or bucket boundary) end when
// the engine shuts down; after that every call returns messages.ErrStopped
// and State reports Stopped. If the actor's loop panics, the supervisor
// restarts it with a fresh, CLOSED state machine at a new generation; the
// handle keeps working.
package circuitbreaker
