package adaptive

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// mailboxSize bounds the reports waiting for the owner; beyond it reports
// spill into counters (see spill).
const mailboxSize = 4096

// Limiter is an adaptive concurrency limiter: see the package doc. It is
// safe for concurrent use; its actor stops with the engine, after which
// every call returns messages.ErrStopped.
type Limiter struct {
	eng     *engine.Engine
	clock   engine.Clock
	name    string
	cfg     Config
	latency bool          // stamp permits with their start
	pool    chan struct{} // free permits; cap MaxLimit
	actor   *engine.Actor[request, Stats]

	limit      atomic.Int64  // owner-written: the current limit
	rejections atomic.Uint64 // callers: rejected acquires
	spilled    spill         // callers: reports that found the mailbox full

	// Owner only.
	st                             state
	issued                         int // permits in the pool or held by callers
	completed, successes, failures uint64
}

var _ engine.Guard = (*Limiter)(nil)

// Stats is a value copy of a limiter's figures.
type Stats struct {
	// Name is the limiter's name.
	Name string
	// Algorithm is the algorithm in use.
	Algorithm Algorithm
	// Limit is the current limit, between MinLimit and MaxLimit.
	Limit, MinLimit, MaxLimit int
	// InFlight is the number of permits held by callers. Right after a
	// decrease it may exceed Limit until enough calls have completed.
	InFlight int
	// Utilization is InFlight / Limit in percent.
	Utilization float64
	// Completed counts releases; Successes and Failures those with that
	// outcome. Rejected counts refused acquires.
	Completed, Successes, Failures, Rejected uint64
	// WindowSuccesses and WindowFailures count the current window.
	WindowSuccesses, WindowFailures int
	// BaselineRTT and RecentRTT are Vegas's baseline and last window's
	// mean latency (zero under AIMD).
	BaselineRTT, RecentRTT time.Duration
}

// New returns the limiter called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config returns
// the same Limiter; a different Config is an error.
func New(eng *engine.Engine, name string, cfg Config) (*Limiter, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return engine.Spawn(context.Background(), eng, Kind, name, cfg, func() (*Limiter, supervisor.Service, error) {
		l := &Limiter{eng: eng, clock: eng.Clock(), name: name, cfg: full, latency: full.Algorithm == Vegas,
			pool: make(chan struct{}, full.MaxLimit), st: newState(full), issued: full.InitialLimit}
		l.limit.Store(int64(full.InitialLimit))
		for range full.InitialLimit {
			l.pool <- struct{}{}
		}
		l.actor = engine.NewActor(mailboxSize, func() engine.Behavior[request, Stats] { return owner{l: l} })
		return l, l.actor, nil
	})
}

// Name returns the limiter's name.
func (l *Limiter) Name() string { return l.name }

// Limit returns the current limit without a round trip.
func (l *Limiter) Limit() int { return int(l.limit.Load()) }

// Acquire asks to start one call now. It never waits: it returns a Permit
// (stamped with its start under Vegas) if one of the limit's permits is
// free, else a *messages.RejectedError wrapping ErrLimitExceeded; ctx.Err()
// if ctx has ended, and messages.ErrStopped after shutdown.
func (l *Limiter) Acquire(ctx context.Context) (engine.Permit, error) {
	if err := l.actor.Err(); err != nil {
		return engine.Permit{}, err
	}
	if err := ctx.Err(); err != nil {
		return engine.Permit{}, err
	}
	select {
	case <-l.pool:
		if l.latency {
			return engine.Permit{Start: l.clock.Now()}, nil
		}
		return engine.Permit{}, nil
	default:
		l.rejections.Add(1)
		return engine.Permit{}, l.rejected()
	}
}

// Release gives p back and reports outcome o (and, under Vegas, the call's
// latency) to the limiter. Call it exactly once per granted Permit.
// Ignored outcomes do not count towards the window. Release never blocks:
// the report is a one-way message, or, when the actor's mailbox is full, a
// few atomic counters the actor folds in after its next batch.
func (l *Limiter) Release(p engine.Permit, o messages.Outcome) {
	var rtt time.Duration
	if l.latency {
		rtt = p.Latency(l.clock)
	}
	// In flight, this call included (approximate right after a decrease,
	// when more permits are out than the limit).
	inflight := int(l.limit.Load()) - len(l.pool)
	select {
	case l.pool <- struct{}{}:
	default:
		return // more releases than grants: ignored
	}
	r := request{o: o, rtt: rtt, inflight: int32(inflight)}
	if !l.actor.TryTell(r) && l.actor.Err() == nil {
		l.spilled.add(r) // the mailbox is full: never wait for it
	}
}

// Execute runs fn under a permit: it acquires, calls fn and releases with
// the outcome messages.ClassifyError gives fn's error; a panic in fn
// releases the permit as a failure and goes on.
func (l *Limiter) Execute(ctx context.Context, fn func(context.Context) error) error {
	return engine.Run(ctx, l, nil, fn)
}

// Do runs fn under a permit of l and returns its result, as Execute.
func Do[T any](ctx context.Context, l *Limiter, fn func(context.Context) (T, error)) (T, error) {
	var v T
	err := engine.Run(ctx, l, nil, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}

// Stats returns the limiter's figures; it asks the actor, after every
// report already sent.
func (l *Limiter) Stats(ctx context.Context) (Stats, error) {
	return l.actor.Ask(ctx, request{stats: true})
}
