// Package circuitbreaker is Bulwark's circuit breaker: the breaker of
// Python's aioresilience (consecutive failures open the circuit, a recovery
// timeout leads to half-open trial calls, consecutive trial successes close
// it), with its bugs fixed and with failure-rate and slow-call-rate windows
// as in resilience4j and failsafe-go.
//
// # States
//
// CLOSED lets every call through and counts outcomes. The circuit opens on
// FailureThreshold consecutive failures, or when the failure rate (or the
// rate of calls slower than SlowCallDuration) over the sliding window —
// the last WindowSize calls, or the last WindowDuration in WindowBuckets
// buckets — reaches its threshold, once the window holds MinimumCalls
// calls. OPEN rejects every call with an error matching ErrOpen whose
// RetryAfter is the open time left. RecoveryTimeout after the moment the
// circuit opened (on the engine's monotonic clock; a failure reported late
// by a call admitted before it opened does not move that moment), the
// circuit turns HALF_OPEN: up to HalfOpenMaxCalls trial calls at a time
// pass, SuccessThreshold consecutive trial successes close the circuit and
// any trial failure opens it again; when OpenAtSlowCallRate is set,
// trials are judged by it too: the circuit opens again as soon as the slow
// trials reach that share of the trials so far. A trial holds a lease: if
// it has not reported within HalfOpenLease its slot is reclaimed and it
// counts as a failure (its report, whenever it comes, is not counted
// again), so a hung call cannot wedge HALF_OPEN.
//
// Every change of state bumps a generation; a permit carries the
// generation it was granted in, and a report from an older generation is
// counted in the metrics but does not move the state. SetMode forces the
// circuit open, disables it (every call passes and is counted) or hands it
// back to the state machine; Reset closes it and zeroes the metrics.
//
// Which errors count: Config.IsFailure decides for a non-nil error;
// without it, messages.ClassifyError does: context.Canceled (the caller
// gave up — not the backend's fault) and Bulwark's own refusals
// (messages.IsRefusal: a full bulkhead, a shed or rate-limited call, an
// inner circuit open, a stopped engine — local overload is not a backend
// failure) are neutral, and every other error, deadlines included, is a
// failure. Neutral outcomes move nothing and are counted apart (Ignored).
// A call that runs past Config.Timeout is always a failure. A panic in the
// user's function is reported as a failure and goes on.
//
// A permit is a token: Release of the zero Permit, of another breaker's
// permit or of any permit a second time frees nothing, counts nothing and
// is counted in Stats.Misused. A permit of CLOSED (or Disabled) holds a
// slot in one of the striped cells from Acquire to Release, named in its
// token with the slot's sequence number; when every slot is held, the
// actor grants the permit and holds it until its Release.
//
// # Concurrency and cost
//
// Each breaker is one actor (a goroutine owned by the engine's supervisor)
// that owns the state machine; the *Breaker handle is safe for concurrent
// use. The actor publishes a read-only snapshot (state, generation, open
// deadline, the phase of its success counters) after every change. In
// CLOSED, Acquire admits after one atomic load of that snapshot and one
// CAS that claims a slot, and the Release of a success that was not slow
// frees the slot and adds one to the striped counter of its cell (a CAS on
// a cache-line-padded cell, tagged with the phase): no message, no round
// trip, no allocation. The actor collects the counters
// before it handles any message, and moves them to a new phase at each
// change of generation and at each bucket boundary of a time-based window,
// so it knows the generation and the bucket of every success it collects
// (a success of a time-based window that ends in another bucket than the
// counters' — just past a boundary the actor has not reached — is a
// report with its time instead).
//
// Every other outcome — a failure, a slow call, a late or half-open one —
// is a report to the actor that carries how many successes the counters
// had taken when it was released. The actor places it after exactly those
// successes, whatever it collected meanwhile: a success whose Release
// returned before a failure's Release ends that failure's run of
// consecutive failures and stands before it in the window, and a failure
// reported late still joins its own run. So the circuit opens on the same
// outcomes in the same order as if every call went through the actor,
// whoever subscribes and however many goroutines call. While a subscriber
// wants this breaker's call_success events, each success also sends a
// one-way message for its event. The Release of a failure, or of a
// half-open trial, waits until the actor has applied it (one round trip,
// off the hot path), so a caller reads its own writes: after the failure
// that trips the circuit returns, that caller's next Acquire is rejected.
// In OPEN, rejections are decided from the snapshot too (and counted by a
// one-way note to the actor). HALF_OPEN admission is one decision inside
// the actor (an Ask), so no more than HalfOpenMaxCalls trials are ever in
// flight.
//
// Calls of other goroutines that were admitted before the tripping failure
// was applied still run (they were admitted while the circuit was closed).
// Counts stay exact — every call is counted once: Total = Succeeded +
// Failed + Rejected, with Ignored apart. Release waits only while the
// mailbox (Config.MailboxSize) is full, or for the actor's answer to a
// failure report.
//
// Latency is measured (two clock reads a call) only when SlowCallDuration
// is set; a time-based rate window reads the clock once at each Release
// (to know the bucket a call ended in).
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
//
// Handlers run in the stream's goroutines, never in the actor's: a
// handler may call back into the breaker.
//
// # Lifetime
//
// New gets or creates a breaker by name in an engine (same name and Config:
// the same *Breaker; another Config: a *supervisor.ConflictError — IsFailure
// compares by code pointer). Its goroutine and its timer (armed through the
// engine's clock for the next recovery or lease deadline) end when the
// engine shuts down; after that every call returns messages.ErrStopped
// and State reports Stopped. If
// the actor's loop panics, the supervisor restarts it with a fresh, CLOSED
// state machine at a new generation; the handle keeps working.
package circuitbreaker
