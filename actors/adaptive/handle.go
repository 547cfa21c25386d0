package adaptive

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/spawn"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// Limiter is an adaptive concurrency limiter: see the package doc. It is
// safe for concurrent use; its actor stops with the engine, after which
// every call returns messages.ErrStopped.
type Limiter struct {
	eng     *engine.Engine
	clock   engine.Clock
	name    string
	latency bool  // stamp permits with their start
	initial int32 // the config's InitialLimit (at most LargestMaxLimit), which counters starts at
	actor   *kernel.Actor[request, Stats]
	id      uint64 // the tokens of the cells' slots carry it
	// permits are the permits granted when a P's cells are full: nil
	// until that first happens (see ledger).
	permits atomic.Pointer[waitq.Ledger]
	// counters is nil until the first Acquire, Release or harvest needs
	// it (see counts): an instance never called holds none.
	counters atomic.Pointer[counters]

	reports stripes // callers add, the owner harvests

	// Owner only: the totals, and the calls ended at the last harvest
	// (grants minus in flight, wrapping at endedMask).
	st                                      state
	completed, successes, failures, ignored uint64
	ended, endedSeen                        uint64
	carried                                 batch // latencies harvested before their calls ended
}

var _ engine.Guard = (*Limiter)(nil)

// counters are the words every Acquire and Release writes, apart from the
// rest of the Limiter and on cache lines of their own.
type counters struct {
	// Written on every Acquire and Release, on one cache line with the
	// limit every Acquire reads: the permits are in flight vs limit.
	calls atomic.Uint64 // callers: grants<<countBits | permits held
	limit atomic.Int64  // owner-written: the current limit
	_     [112]byte

	nudged     atomic.Bool   // a harvest was asked for and not begun yet
	rejections atomic.Uint64 // callers: rejected acquires
	misused    atomic.Uint64 // callers: Releases of a slot's token not held
	_          [104]byte
}

// counts returns l's counters, making them, with the limit at the
// config's InitialLimit, if nobody has yet: until then the owner has not
// changed the limit, since it goes through counts too.
func (l *Limiter) counts() *counters {
	if c := l.counters.Load(); c != nil {
		return c
	}
	return l.makeCounters()
}

// ledger returns l's permits, making them if nobody has yet.
func (l *Limiter) ledger() *waitq.Ledger {
	if pl := l.permits.Load(); pl != nil {
		return pl
	}
	l.permits.CompareAndSwap(nil, waitq.NewLedger())
	return l.permits.Load()
}

// ledgerMisused is the misuse l's permits counted.
func (l *Limiter) ledgerMisused() uint64 {
	if pl := l.permits.Load(); pl != nil {
		return pl.Misused()
	}
	return 0
}

func (l *Limiter) makeCounters() *counters {
	c := &counters{}
	c.limit.Store(int64(l.initial))
	if l.counters.CompareAndSwap(nil, c) {
		return c
	}
	return l.counters.Load()
}

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
	// Completed counts releases; Succeeded and Failed those with that
	// outcome. Rejected counts refused acquires.
	Completed, Succeeded, Failed, Rejected uint64
	// Misused counts Releases of a permit that was not held (released
	// already, the zero Permit, a permit of another instance): each freed
	// nothing and reported no outcome, and each is a bug in the caller.
	Misused uint64
	// WindowSucceeded and WindowFailed count the current window.
	WindowSucceeded, WindowFailed int
	// BaselineRTT and RecentRTT are Vegas's baseline and last window's
	// mean latency (zero under AIMD).
	BaselineRTT, RecentRTT time.Duration
}

// New returns the limiter called name on eng, creating it if it does not
// exist yet. Asking again for the same name with the same Config (after
// defaults) returns the same Limiter; a different Config is a
// *supervisor.ConflictError, and one out of its bounds a
// *messages.ConfigError.
func New(eng *engine.Engine, name string, cfg Config) (*Limiter, error) {
	return spawn.New(eng, Kind, name, cfg, Config.withDefaults, func(eng *engine.Engine, name string, full *Config) (*Limiter, kernel.Service, error) {
		l := &Limiter{eng: eng, clock: eng.Clock(), name: name, latency: full.Algorithm == Vegas,
			id: waitq.NewID(), initial: int32(full.InitialLimit), st: stateFor(full)}
		l.reports.init(*full)
		l.actor = kernel.NewActor(0, func() kernel.Behavior[request, Stats] { return owner{l: l} })
		return l, l.actor, nil
	})
}

// Name returns the limiter's name.
func (l *Limiter) Name() string { return l.name }

// Limit returns the current limit without a round trip.
func (l *Limiter) Limit() int {
	if c := l.counters.Load(); c != nil {
		return int(c.limit.Load())
	}
	return int(l.initial)
}

// Acquire asks to start one call now. It never waits: it returns a Permit
// (stamped with its start under Vegas) if fewer calls than the limit are
// in flight, else a *messages.RejectedError wrapping ErrLimitExceeded;
// ctx.Err() if ctx has ended, and messages.ErrStopped after shutdown.
func (l *Limiter) Acquire(ctx context.Context) (engine.Permit, error) {
	if err := l.actor.Err(); err != nil {
		return engine.Permit{}, err
	}
	if err := ctx.Err(); err != nil {
		return engine.Permit{}, err
	}
	n := l.counts()
	for {
		w := n.calls.Load()
		if int64(w&countMask) >= n.limit.Load() {
			n.rejections.Add(1)
			return engine.Permit{}, l.rejected()
		}
		if n.calls.CompareAndSwap(w, w+grantOne+1) {
			break
		}
	}
	t, ok := l.reports.claim(l.id)
	if !ok {
		t = l.ledger().Grant() // the count admitted it: the Ledger has room
	}
	p := engine.Permit{Token: t}
	if l.latency {
		p.Start = l.clock.Now()
	}
	return p, nil
}

// Release gives p back and reports outcome o (and, under Vegas, the call's
// latency, never below zero) to the limiter. Call it exactly once per
// granted Permit: a permit is a token, and releasing one that is not held
// — released already, the zero Permit, a permit of another instance —
// frees nothing, reports nothing and is counted in Stats.Misused. Ignored
// outcomes do not count towards the window. Release never blocks: it adds
// the outcome to counters the actor harvests (see stripes).
func (l *Limiter) Release(p engine.Permit, o messages.Outcome) {
	var c *cell
	if p.Token&waitq.IDMask == l.id {
		if c = l.reports.free(p.Token); c == nil {
			l.counts().misused.Add(1)
			return
		}
	} else if pl := l.permits.Load(); pl == nil {
		l.counts().misused.Add(1) // no permit was ever granted outside the cells
		return
	} else if !pl.Redeem(p.Token) {
		return // the Ledger counted the misuse
	}
	var rtt time.Duration
	if l.latency {
		rtt = max(0, p.Latency(l.clock))
	}
	if l.end(c, o, rtt) {
		l.nudge()
	}
}

// end ends a call whose permit Release has just taken back: it reports
// outcome o and latency rtt in c (the cell of the permit's slot, or nil)
// and then lowers the count. It reports whether to nudge the actor.
func (l *Limiter) end(c *cell, o messages.Outcome, rtt time.Duration) bool {
	failed, ok := o == messages.Failure, o == messages.Success || o == messages.Failure
	nudge := false
	if failed || !ok || l.latency {
		if c == nil {
			c = l.reports.at()
		}
		nudge = l.reports.add(c, failed, ok, l.latency, rtt)
	}
	w := l.counts().calls.Add(^uint64(0)) // the permit was held: the count is at least 1
	if l.latency && ok {
		c.seen(int64(w&countMask) + 1)
	}
	return nudge || ended(w)&l.reports.every.Load() == 0
}

// ended returns how many calls have ended by in-flight word w: grants
// minus in flight, wrapping at endedMask.
func ended(w uint64) uint64 { return (w>>countBits - w&countMask) & endedMask }

// nudge asks the actor to harvest, unless a nudge is already on its way.
// If the mailbox is full, the messages in it will harvest.
func (l *Limiter) nudge() {
	n := l.counts()
	if !n.nudged.Load() && n.nudged.CompareAndSwap(false, true) {
		if !l.actor.TryTell(request{}) {
			n.nudged.Store(false)
		}
	}
}

// Execute runs fn under a permit: it acquires, calls fn and releases with
// the outcome messages.ClassifyError gives fn's error; a panic in fn
// releases the permit as a failure and goes on. A nil fn is an error
// wrapping messages.ErrInvalidConfig.
func (l *Limiter) Execute(ctx context.Context, fn func(context.Context) error) error {
	return engine.Run(ctx, l, nil, fn)
}

// Do runs fn under a permit of l and returns its result, as Execute. A nil
// fn is an error wrapping messages.ErrInvalidConfig.
func Do[T any](ctx context.Context, l *Limiter, fn func(context.Context) (T, error)) (T, error) {
	var v T
	if fn == nil {
		return v, errNilFunc
	}
	err := engine.Run(ctx, l, nil, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}

// Stats returns the limiter's figures; it asks the actor, which first
// harvests every report whose Release has returned.
func (l *Limiter) Stats(ctx context.Context) (Stats, error) {
	return l.actor.Ask(ctx, request{stats: true})
}
