package circuitbreaker

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the supervisor kind of every breaker.
const Kind = "circuitbreaker"

// Breaker is the handle to one named circuit breaker. It is safe for
// concurrent use, and it keeps working across restarts of its actor; after
// the engine shuts down every call returns messages.ErrStopped.
type Breaker struct {
	name    string
	eng     *engine.Engine
	clock   engine.Clock
	cfg     atomic.Pointer[Config] // with defaults; Reconfigure replaces it
	actor   *kernel.Actor[request, reply]
	snap    kernel.Snapshot[snapshot]
	cells   stripes       // successes of CLOSED calls, collected by the actor
	tag     uint64        // in every token this breaker grants
	measure atomic.Bool   // latency is measured (SlowCallDuration set)
	plain   atomic.Bool   // a success needs no clock read: neither measured nor in a time-based window
	hot     atomic.Uint64 // the current generation (low 32 bits, high half) and the counters' phase
	started atomic.Bool   // the actor has run once (written by its goroutine)
	misused atomic.Uint64 // Releases that no permit stood behind, found by callers or the actor
	// held maps the serial of each permit the actor holds (every slot was
	// taken) to the generation it was granted in. The actor's goroutine
	// alone uses held and serial; they outlive a restart.
	held   map[uint64]uint32
	serial uint64
}

var _ engine.Guard = (*Breaker)(nil)

// New returns the breaker called name in eng, creating it with cfg if it
// does not exist (the original's get_circuit_breaker). Asking again with the
// same cfg returns the same *Breaker; with a different cfg it is a
// *supervisor.ConflictError. A bad cfg is an error naming the field and the
// value (it unwraps to messages.ErrInvalidConfig).
func New(eng *engine.Engine, name string, cfg Config) (*Breaker, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	if name == "" {
		return nil, messages.InvalidConfig(Kind, "name", `""`, "must not be empty")
	}
	full := cfg.withDefaults()
	if err := full.validate(); err != nil {
		return nil, err
	}
	if b, ok := kernel.Find[*Breaker](eng, Kind, name, &full); ok {
		return b, nil
	}
	return spawn(eng, name, full)
}

// spawn gets or creates the breaker called name with full, its config with
// defaults (valid), through the registry. It is apart from New so that
// New's look-up of an existing breaker allocates nothing.
func spawn(eng *engine.Engine, name string, full Config) (*Breaker, error) {
	return kernel.SpawnConfig(context.Background(), eng, Kind, name, full, func(cfg *Config) (*Breaker, kernel.Service, error) {
		b := &Breaker{name: name, eng: eng, clock: eng.Clock(), tag: newTag()}
		b.useConfig(cfg)
		b.actor = kernel.NewActor(cfg.MailboxSize, b.newOwner)
		b.cells.init()
		b.snap.Publish(b.firstSnapshot())
		return b, b.actor, nil
	})
}

// Name returns the breaker's name.
func (b *Breaker) Name() string { return b.name }

// Config returns the breaker's current configuration with its defaults
// filled in.
func (b *Breaker) Config() Config { return *b.cfg.Load() }

// firstSnapshot is the view before the actor's first message: CLOSED at
// generation 1, the counters at phase 1, a time-based window beginning now.
func (b *Breaker) firstSnapshot() *snapshot {
	b.hot.Store(1<<32 | uint64(b.cells.phase))
	c := b.cfg.Load()
	if c.WindowType != TimeBased || !c.rates() {
		return &closedAtFirst
	}
	s := &snapshot{gen: 1, path: pathAdmit, phase: b.cells.phase}
	s.timed, s.winBase, s.width = true, b.clock.Now(), c.WindowDuration/time.Duration(c.WindowBuckets)
	return s
}

// closedAtFirst is the first snapshot of every breaker without a
// time-based window: published, never written.
var closedAtFirst = snapshot{gen: 1, path: pathAdmit, phase: 1}

// State returns the state and mode of the latest published snapshot, without
// a round trip (an OPEN circuit whose recovery time has passed shows OPEN
// until the next call or timer moves it to HALF_OPEN), or Stopped once the
// engine has begun to shut down.
func (b *Breaker) State() (State, Mode) {
	s := b.snap.Load()
	if b.eng.Stopped() || b.actor.Err() != nil {
		return Stopped, s.mode
	}
	return s.state, s.mode
}

// Acquire asks to start one call now. In CLOSED it answers from the
// published snapshot with one atomic load; in OPEN it rejects from the
// snapshot until the recovery time has passed (the error carries the time
// left as RetryAfter); in HALF_OPEN the actor decides, so no more than
// HalfOpenMaxCalls trials are ever in flight. Half-open admission does not
// wait in a queue: ctx is checked before asking, and the actor's answer is
// immediate (a grant is never lost to a cancelled context). Every granted
// Permit must be given back to Release exactly once.
func (b *Breaker) Acquire(ctx context.Context) (engine.Permit, error) {
	s := b.snap.Load()
	switch s.path {
	case pathAdmit:
		if b.eng.Stopped() {
			return engine.Permit{}, messages.ErrStopped
		}
		if err := b.actor.Err(); err != nil {
			return engine.Permit{}, err
		}
		tok, ok := b.cells.claim(uint32(s.gen))
		if !ok && b.cells.Cells() == nil { // the first call: the actor allocates the cells
			if _, err := b.actor.Ask(context.Background(), request{op: opCells}); err != nil {
				return engine.Permit{}, err
			}
			tok, ok = b.cells.claim(uint32(s.gen))
		}
		if ok {
			p := engine.Permit{Token: b.tag | tok}
			if b.measure.Load() {
				p.Start = b.clock.Now()
			}
			return p, nil
		}
		// Every slot is held: the actor grants and holds the permit.
	case pathForced:
		if err := b.actor.Tell(request{op: opRejected}); err != nil {
			return engine.Permit{}, err
		}
		return engine.Permit{}, b.rejected(ReasonForcedOpen, 0)
	case pathOpen:
		if left := s.openUntil.Sub(b.clock.Now()); left > 0 {
			if err := b.actor.Tell(request{op: opRejected}); err != nil {
				return engine.Permit{}, err
			}
			return engine.Permit{}, b.rejected(ReasonOpen, left)
		}
	}
	if err := ctx.Err(); err != nil {
		return engine.Permit{}, err
	}
	r, err := b.actor.Ask(context.Background(), request{op: opAcquire})
	if err != nil {
		return engine.Permit{}, err
	}
	if !r.d.ok {
		return engine.Permit{}, b.rejected(r.d.reason.String(), r.d.retry)
	}
	p := engine.Permit{Token: r.d.token}
	if b.measure.Load() {
		p.Start = b.clock.Now()
	}
	return p, nil
}

// Release reports how the call of p ended, and never fails: after shutdown
// the report is dropped. A report from a call admitted before the circuit
// last changed state is counted in the metrics but does not move the state.
// A Release that no permit stands behind — the zero Permit, another
// breaker's permit, a permit released a second time — frees nothing,
// counts nothing and is counted in Stats.Misused.
//
// A success of a call admitted in CLOSED that was not slow — the hot path —
// is one CAS on a striped counter that the actor collects before it
// handles the next report, Stats, Reset or SetMode; when a subscriber wants
// this breaker's call_success events, a one-way message follows for the
// event. Every other report goes to the actor with the count of successes
// the counters took before it, so that it stands after them in the window
// and in the run of failures, whatever the actor collected meanwhile (the
// mailbox keeps the order of the reports it carries). A failure,
// or the report of a half-open trial, waits until the actor has applied it
// (one round trip, off the hot path), so the caller reads its own writes:
// after the FailureThreshold-th consecutive failure returns, the next
// Acquire of the same goroutine is rejected, as it would be with a
// mutex-based breaker.
func (b *Breaker) Release(p engine.Permit, o messages.Outcome) {
	if p.Token&tagMask != b.tag || p.Token&(kindBit|ticketMask) == 0 {
		b.misused.Add(1)
		return
	}
	if p.Token&kindBit == 0 || tokCell(p.Token) == actorCell {
		b.report(p, o, false) // a trial, or a permit the actor holds: it frees them
		return
	}
	c, gen, ok := b.cells.free(p.Token)
	if !ok {
		b.misused.Add(1)
		return
	}
	p.Token = b.tag | uint64(gen)<<ticketBits
	if o == messages.Success && b.plain.Load() {
		// The hot path: the counters of the permit's generation, if they
		// are still its.
		if h := b.hot.Load(); uint32(h>>32) == gen {
			if ok, flush := c.add(uint32(h)); ok {
				if flush {
					b.actor.TryTell(request{op: opFlush})
				}
				if !b.eng.Events().Wants(eventstream.EventCallSuccess, Kind, b.name) {
					return
				}
				b.report(p, o, true)
				return
			}
		}
	}
	b.report(p, o, false)
}

// report sends the report of p's call to the actor, unless it is a
// success the striped counters take; counted: they took it already, and
// the report only publishes its event.
func (b *Breaker) report(p engine.Permit, o messages.Outcome, counted bool) {
	r := report{token: p.Token, outcome: o, counted: counted}
	c := b.cfg.Load()
	measure := c.SlowCallDuration > 0
	if measure && !p.Start.IsZero() {
		r.at = b.clock.Now()
		r.latency = r.at.Sub(p.Start)
	}
	held := p.Token&kindBit != 0 // the actor holds it: only the actor may count it
	trial := !held && p.Token&ticketMask != 0
	if !trial && o != messages.Ignored {
		slow := measure && r.latency >= c.SlowCallDuration
		if o == messages.Success && !slow && !counted && !held && b.count(&r) {
			if !b.eng.Events().Wants(eventstream.EventCallSuccess, Kind, b.name) {
				return
			}
			r.counted = true // the report only publishes its event
		}
		if held {
			r.gen, r.seq = b.current()
		} else {
			r.seq = b.sequence(p.Token)
		}
		if r.at.IsZero() && c.WindowType == TimeBased {
			r.at = b.clock.Now()
		}
	}
	rep := reports.Get().(*report)
	*rep = r
	if o == messages.Failure || trial {
		_, _ = b.actor.Ask(context.Background(), request{op: opReport, rep: rep})
		return
	}
	_ = b.actor.Tell(request{op: opReport, rep: rep})
}

// Classify maps a call's error to an outcome with Config.IsFailure: nil is
// a success; an error is a failure if IsFailure says so and neutral
// otherwise. With no IsFailure it is messages.ClassifyError:
// context.Canceled (the caller gave up, the backend is not to blame) is
// neutral, every other error — deadlines included — is a failure.
func (b *Breaker) Classify(err error) messages.Outcome {
	return classify(b.cfg.Load().IsFailure, err)
}

func classify(isFailure func(error) bool, err error) messages.Outcome {
	if err == nil || isFailure == nil {
		return messages.ClassifyError(err)
	}
	if isFailure(err) {
		return messages.Failure
	}
	return messages.Ignored
}

// Execute calls fn if the breaker admits it and reports how it ended. When
// rejected it returns an error matching ErrOpen (a *messages.RejectedError
// with the reason and RetryAfter) without calling fn. With Config.Timeout,
// fn's context carries that deadline and a call that runs past it is a
// failure returning a *messages.TimeoutError. If fn panics, the call is reported as
// a failure and the panic goes on. A nil fn is a *messages.ConfigError
// (errors.Is matches messages.ErrInvalidConfig) and admits nothing.
func (b *Breaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	if fn == nil {
		return errNilFunc
	}
	p, err := b.Acquire(ctx)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			b.Release(p, messages.Failure)
		}
	}()
	c := b.cfg.Load() // the config of this call, whatever Reconfigure does meanwhile
	if c.Timeout > 0 {
		err = b.callWithTimeout(ctx, c.Timeout, fn)
	} else {
		err = fn(ctx)
	}
	done = true
	o := messages.Success // as Classify(nil)
	if err != nil {
		o = b.outcome(c, err)
	}
	b.Release(p, o)
	return err
}

func (b *Breaker) callWithTimeout(ctx context.Context, limit time.Duration, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return b.timedOut(ctx, cctx, limit, fn(cctx))
}

// outcome is Classify under c, except that a per-call timeout is always a
// failure.
func (b *Breaker) outcome(c *Config, err error) messages.Outcome {
	if err != nil && c.Timeout > 0 {
		var te *messages.TimeoutError
		if errors.As(err, &te) && te.Name == b.name {
			return messages.Failure
		}
	}
	return classify(c.IsFailure, err)
}

// Do is Execute for a function that returns a value.
func Do[T any](ctx context.Context, b *Breaker, fn func(context.Context) (T, error)) (T, error) {
	var v T
	if fn == nil {
		return v, errNilFunc
	}
	err := b.Execute(ctx, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}

// Stats returns a value copy of the breaker's metrics.
func (b *Breaker) Stats(ctx context.Context) (Stats, error) {
	r, err := b.actor.Ask(ctx, request{op: opStats})
	if err != nil {
		return Stats{}, err
	}
	st := *r.stats
	statsReplies.Put(r.stats)
	return st, nil
}

// Reset closes the circuit, returns to Normal mode and zeroes every
// counter; it always publishes circuit_reset. Calls admitted before the
// Reset still report: they are counted in the new metrics but move no
// state.
func (b *Breaker) Reset(ctx context.Context) error {
	_, err := b.actor.Ask(ctx, request{op: opReset})
	return err
}

// SetMode forces the circuit open (ForcedOpen), disables it (Disabled:
// every call passes) or hands it back to the state machine (Normal, which
// restarts CLOSED). Counters are kept.
func (b *Breaker) SetMode(ctx context.Context, m Mode) error {
	if m > Disabled {
		return messages.InvalidConfig(Kind, "Mode", int(m), "must be Normal, ForcedOpen or Disabled")
	}
	_, err := b.actor.Ask(ctx, request{op: opMode, mode: m})
	return err
}

// ForceOpen is shorthand for SetMode(ctx, ForcedOpen).
func (b *Breaker) ForceOpen(ctx context.Context) error { return b.SetMode(ctx, ForcedOpen) }

// Disable is shorthand for SetMode(ctx, Disabled).
func (b *Breaker) Disable(ctx context.Context) error { return b.SetMode(ctx, Disabled) }

// Normal is shorthand for SetMode(ctx, Normal).
func (b *Breaker) Normal(ctx context.Context) error { return b.SetMode(ctx, Normal) }

// AllStats returns the stats of every breaker of eng, oldest first (the
// original's get_all_circuit_metrics).
func AllStats(ctx context.Context, eng *engine.Engine) ([]Stats, error) {
	var out []Stats
	for _, c := range eng.Supervisor().List() {
		b, ok := c.Handle.(*Breaker)
		if c.Kind != Kind || !ok {
			continue
		}
		s, err := b.Stats(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, nil
}
