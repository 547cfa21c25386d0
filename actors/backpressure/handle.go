package backpressure

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/admit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Gate applies backpressure: see the package doc. It is safe for
// concurrent use; its actor stops with the engine, after which every call
// returns messages.ErrStopped.
type Gate struct {
	valve // the fast path

	h admit.Handle[Config] // the engine, name, config, waiters and counts

	// Owner only.
	st     state
	closed bool // the valve is closed: st.pending is the count, as of the last Settle
}

var _ engine.Guard = (*Gate)(nil)

// New returns the gate called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults) returns the same Gate; a different Config is a
// *supervisor.ConflictError, and one out of its bounds a
// *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Gate, error) {
	return admit.New(eng, Kind, name, cfg, Config.withDefaults, func(full Config) (*Gate, *admit.Handle[Config], admit.Setup) {
		g := &Gate{valve: newValve(full.HighWaterMark), st: newState(full)}
		return g, &g.h, admit.Setup{Permits: g.permits, Policy: owner{g},
			Queue: admit.Config{MaxWaiting: full.MaxWaiting, Words: &words}}
	})
}

// words are every gate's kind and reasons.
var words = admit.Words{Kind: Kind, Full: ReasonActive, Timeout: ReasonWaitTimeout, Reasons: reasons}

// Name returns the gate's name.
func (g *Gate) Name() string { return g.h.Name() }

// Acquire adds one pending item. While backpressure is on it waits, if
// MaxWaiting allows, for at most MaxWait (0: until ctx ends). It returns a
// Permit to hand to Release exactly once, or a *messages.RejectedError
// wrapping ErrBackpressure, ctx.Err() if ctx is done or ends while the
// call waits, or messages.ErrStopped. When it returns an error the caller
// holds no item.
func (g *Gate) Acquire(ctx context.Context) (engine.Permit, error) {
	return g.acquire(ctx, admit.Call{Wait: maxWait})
}

// AcquireWait is Acquire with a wait of its own instead of Config.MaxWait
// (0: until ctx ends; negative is an error wrapping
// messages.ErrInvalidConfig). MaxWaiting still bounds how many wait.
func (g *Gate) AcquireWait(ctx context.Context, wait time.Duration) (engine.Permit, error) {
	if wait < 0 {
		return engine.Permit{}, messages.InvalidConfig(Kind, "wait", wait, "must be at least 0 (0: until the context ends)")
	}
	return g.acquire(ctx, admit.Call{Wait: wait})
}

// AcquireNow is Acquire that never waits: while backpressure is on it is
// rejected at once with ReasonActive, whatever MaxWaiting.
func (g *Gate) AcquireNow(ctx context.Context) (engine.Permit, error) {
	return g.acquire(ctx, admit.Call{NoWait: true})
}

func (g *Gate) acquire(ctx context.Context, c admit.Call) (engine.Permit, error) {
	if err := ctx.Err(); err != nil {
		g.h.Counts.Cancel()
		return engine.Permit{}, err
	}
	if g.h.Err() == nil {
		if t, ok := g.take(); ok {
			return g.admitted(t), nil
		}
	}
	if c.Wait == maxWait {
		c.Wait = g.h.Config().MaxWait
	}
	return g.h.Counts.Resolve(g.h.Wait(ctx, c), g.admitted, g.reject)
}

// Release takes the pending item of p away; the outcome is not used. A
// permit is a token: releasing one that is not held — released already,
// the zero Permit, a permit of another instance — takes nothing away and
// is counted in Stats.Misused. It never blocks: it takes the item off the
// count by compare-and-swap and, while the valve is closed, kicks the
// actor without waiting (when its mailbox is full it is busy and settles
// the count after that batch).
func (g *Gate) Release(p engine.Permit, _ messages.Outcome) { g.giveBack(p.Token) }

// giveBack takes the pending item of token away: the count first, the
// valve second (the owner closes the valve before it reads the count, so
// either it reads the count without the item or the release sees the
// valve closed and kicks).
func (g *Gate) giveBack(token uint64) {
	if g.permits.Redeem(token) && g.permits.Closed() {
		g.h.Kick()
	}
}

// admitted returns the permit of an admission.
func (g *Gate) admitted(token uint64) engine.Permit { return engine.Permit{Token: token} }

// Execute runs fn under one pending item: it acquires, calls fn and
// releases, also when fn panics (the panic goes on). A nil fn is an error
// wrapping messages.ErrInvalidConfig. It is engine.Run without the
// outcome, which a gate does not use.
func (g *Gate) Execute(ctx context.Context, fn func(context.Context) error) error {
	return admit.Execute(ctx, g, errNilFunc, fn)
}

// Do runs fn under one pending item of g and returns its result; a panic
// in fn releases the item and goes on. A nil fn is an error wrapping
// messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, g *Gate, fn func(context.Context) (T, error)) (T, error) {
	return admit.Do(ctx, g, errNilFunc, fn)
}

// reject counts a rejection, publishes backpressure_rejected (Reason,
// Count: pending, Max: MaxInFlight) and returns the error.
func (g *Gate) reject(reason string) error {
	g.h.Counts.Reject(reason)
	if g.h.Engine().Events().HasSubscribers() {
		g.h.Engine().Publish(eventstream.Event{Type: eventstream.EventBackpressureRejected, Pattern: Kind, Name: g.h.Name(),
			Fields: eventstream.Fields{Reason: reason, Count: int64(g.limit.Held()), Max: int64(g.h.Config().MaxInFlight)}})
	}
	return g.rejectedError(reason)
}
