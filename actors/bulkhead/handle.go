package bulkhead

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Bulkhead limits concurrent calls: see the package doc. It is safe for
// concurrent use; its actor stops with the engine, after which every call
// returns messages.ErrStopped.
type Bulkhead struct {
	h admit.Handle[Config] // the engine, name, config, waiters and counts
	// permits is the pool of slots: it grants at most MaxInFlight permits
	// (limit) at once and records each until it is released.
	permits *waitq.Ledger
	limit   *waitq.Limit
}

var _ engine.Guard = (*Bulkhead)(nil)

// New returns the bulkhead called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults: Config{} and Config{MaxInFlight: 10} are the same) returns the
// same Bulkhead; a different Config is a *supervisor.ConflictError (the
// original silently ignored the new parameters). A Config out of its
// bounds is a *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Bulkhead, error) {
	return admit.New(eng, Kind, name, cfg, Config.withDefaults, func(full Config) (*Bulkhead, *admit.Handle[Config], admit.Setup) {
		lim := waitq.NewLimit(full.MaxInFlight)
		b := &Bulkhead{permits: lim.Ledger(), limit: lim}
		return b, &b.h, admit.Setup{Permits: b.permits, Policy: admit.Slots[*hooks]{H: (*hooks)(b)},
			Queue: admit.Config{MaxWaiting: full.MaxWaiting, Words: &words}}
	})
}

// words are every bulkhead's kind and reasons.
var words = admit.Words{Kind: Kind, Full: ReasonQueueFull, Timeout: ReasonWaitTimeout, Reasons: reasons}

// hooks are a bulkhead's side of its admit.Slots policy.
type hooks Bulkhead

func (h *hooks) Limit() *waitq.Limit   { return h.limit }
func (h *hooks) Finished()             {}
func (h *hooks) GiveBack(token uint64) { (*Bulkhead)(h).giveBack(token) }

// Name returns the bulkhead's name.
func (b *Bulkhead) Name() string { return b.h.Name() }

// Acquire asks for a slot. It returns a Permit to hand to Release exactly
// once, or a *messages.RejectedError wrapping ErrFull (ReasonQueueFull or
// ReasonWaitTimeout), ctx.Err() if ctx ends while the call waits, or
// messages.ErrStopped. When it returns an error the caller holds no slot.
func (b *Bulkhead) Acquire(ctx context.Context) (engine.Permit, error) {
	if p, ok := b.TryAcquire(); ok {
		return p, nil
	}
	if err := b.h.Err(); err != nil {
		return engine.Permit{}, err
	}
	cfg := b.h.Config()
	if cfg.MaxWaiting == 0 {
		return engine.Permit{}, b.reject(ReasonQueueFull)
	}
	if err := ctx.Err(); err != nil {
		b.h.Counts.Cancel() // it would have waited: counted as a wait that ended
		return engine.Permit{}, err
	}
	return b.h.Counts.Resolve(b.h.Wait(ctx, admit.Call{Wait: cfg.MaxWait}), b.admitted, b.reject)
}

// TryAcquire is Acquire without waiting: it takes a free slot when nobody
// waits for one, and reports whether it did. It counts nothing when it
// fails.
func (b *Bulkhead) TryAcquire() (engine.Permit, bool) {
	if b.h.Waiting() == 0 && b.h.Err() == nil {
		if t, ok := b.permits.TryGrant(); ok {
			return b.admitted(t), true
		}
	}
	return engine.Permit{}, false
}

// Execute runs fn under a slot: it acquires, calls fn and releases, also
// when fn panics (the panic goes on). It returns the rejection, or fn's
// error; a nil fn is an error wrapping messages.ErrInvalidConfig. It is
// engine.Run without the outcome, which a bulkhead does not use.
func (b *Bulkhead) Execute(ctx context.Context, fn func(context.Context) error) error {
	return admit.Execute(ctx, b, errNilFunc, fn)
}

// Do runs fn under a slot of b and returns its result; a panic in fn
// releases the slot and goes on. A nil fn is an error wrapping
// messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, b *Bulkhead, fn func(context.Context) (T, error)) (T, error) {
	return admit.Do(ctx, b, errNilFunc, fn)
}

// Release gives the slot of p back; the outcome is not used. The slot
// goes back to the pool and, when callers wait, the actor hands it to the
// oldest one. A permit is a token: releasing one that is not held —
// released already, the zero Permit, a permit of another instance — frees
// nothing and is counted in Stats.Misused. It never blocks.
func (b *Bulkhead) Release(p engine.Permit, _ messages.Outcome) { b.giveBack(p.Token) }

// giveBack puts the slot of token back into the pool and kicks the actor
// when callers wait: the slot first, the waiters second (the actor
// announces an arrival before it looks for a slot).
func (b *Bulkhead) giveBack(token uint64) {
	if b.permits.Redeem(token) && b.h.Waiting() > 0 {
		b.h.Kick()
	}
}
