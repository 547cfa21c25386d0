package coalesce

import (
	"context"
	"hash/maphash"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// shards is how many lists a Group spreads its keys over.
const shards = 64

// Group coalesces concurrent calls with the same key into one execution
// whose result they all get. It is safe for concurrent use and has no
// goroutine of its own: each execution runs in a goroutine that ends when
// the function returns (see the package doc). The result is shared: the
// callers must treat it as read-only.
type Group[T any] struct {
	name     string
	eng      *engine.Engine
	clock    engine.Clock
	cfg      Config
	seed     maphash.Seed
	inFlight atomic.Int64 // open flights, at most cfg.MaxKeys
	shards   [shards]atomic.Pointer[node[T]]
	stats    *tally.Set // see stats.go
}

// New returns a Group named name. eng may be nil: then the real clock is
// used and the Group never stops.
func New[T any](eng *engine.Engine, name string, cfg Config) (*Group[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Group[T]{name: name, eng: eng, clock: engine.RealClock{}, cfg: cfg.withDefaults(),
		seed: maphash.MakeSeed(), stats: tally.New()}
	if eng != nil {
		g.clock = eng.Clock()
	}
	return g, nil
}

// Config returns the configuration in force.
func (g *Group[T]) Config() Config { return g.cfg }

// Name returns g's name.
func (g *Group[T]) Name() string { return g.name }

// InFlight returns how many keys are in flight now.
func (g *Group[T]) InFlight() int { return int(g.inFlight.Load()) }

// Do runs fn once for all the concurrent calls with key and returns its
// result to each. The first caller (the leader) starts fn in a goroutine
// under a context that keeps ctx's values but not its cancellation and
// ends after Config.Timeout; a caller who joins while it runs (a
// follower) waits for the same result. A caller whose ctx ends gets
// ctx.Err() at once and leaves the execution running for the others. A
// panic in fn reaches every caller as a *messages.PanicError.
//
// A nil fn is an error wrapping messages.ErrInvalidConfig; a ctx that has
// already ended runs nothing; after the engine's Shutdown Do returns
// messages.ErrStopped (also to callers still waiting).
func (g *Group[T]) Do(ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	switch {
	case fn == nil:
		return zero, messages.InvalidConfig(Kind, "fn", nil, "must not be nil")
	case g.eng.Stopped():
		return zero, messages.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		g.count(cGone)
		return zero, err
	}
	f, leader, err := g.joinOrStart(ctx, key, fn)
	if err != nil {
		g.count(cRejected)
		return zero, err
	}
	if !leader {
		g.count(cFollowers)
	}
	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		g.count(cCancelled)
		return zero, ctx.Err()
	case <-g.eng.Done():
		return zero, messages.ErrStopped
	}
}

// joinOrStart joins the open flight of key, or starts one (and reports
// leader true).
func (g *Group[T]) joinOrStart(ctx context.Context, key string, fn func(context.Context) (T, error)) (*flight[T], bool, error) {
	sh := &g.shards[maphash.String(g.seed, key)%shards]
	var mine *flight[T]
	for {
		head := sh.Load()
		if f := find(head, key); f != nil && f.join() {
			if mine != nil {
				g.inFlight.Add(-1) // the reservation is not needed
			}
			return f, false, nil
		}
		if mine == nil {
			if !g.reserve() {
				return nil, false, &messages.RejectedError{Err: ErrTooManyKeys, Pattern: Kind, Name: g.name, Reason: ReasonKeysFull}
			}
			mine = &flight[T]{key: key, done: make(chan struct{})}
			mine.word.Store(1)
		}
		if sh.CompareAndSwap(head, with(head, mine)) {
			g.count(cLeaders)
			if ctx.Done() == nil && g.eng.Done() == nil {
				// A leader that can never leave (no cancellation, no
				// engine to stop) runs the work itself: the same as
				// waiting for a goroutine, without one.
				g.execute(ctx, sh, mine, fn)
			} else {
				go g.execute(context.WithoutCancel(ctx), sh, mine, fn)
			}
			return mine, true, nil
		}
	}
}

// reserve takes one of MaxKeys places.
func (g *Group[T]) reserve() bool {
	for {
		n := g.inFlight.Load()
		if n >= int64(g.cfg.MaxKeys) {
			return false
		}
		if g.inFlight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// execute runs fn for f, publishes its result to f's callers and takes f
// out of its shard.
func (g *Group[T]) execute(ctx context.Context, sh *atomic.Pointer[node[T]], f *flight[T], fn func(context.Context) (T, error)) {
	ctx, cancel := g.bound(ctx)
	panicked := true
	defer func() {
		if panicked {
			f.err = &messages.PanicError{Value: recover(), Stack: debug.Stack()}
			g.count(cPanics)
		}
		cancel()
		f.close()
		g.inFlight.Add(-1) // before the callers learn the result
		close(f.done)
		for {
			head := sh.Load()
			rest, changed := without(head, f)
			if !changed || sh.CompareAndSwap(head, rest) {
				return
			}
		}
	}()
	f.v, f.err = fn(ctx)
	panicked = false
}

// bound returns ctx ending after Config.Timeout on g's clock.
func (g *Group[T]) bound(ctx context.Context) (context.Context, func()) {
	if _, real := g.clock.(engine.RealClock); real {
		return context.WithTimeout(ctx, g.cfg.Timeout)
	}
	cctx, cancel := context.WithCancelCause(ctx)
	t := g.clock.AfterFunc(g.cfg.Timeout, func() { cancel(context.DeadlineExceeded) })
	return deadlineCtx{cctx, g.clock.Now().Add(g.cfg.Timeout)}, func() { t.Stop(); cancel(nil) }
}

// deadlineCtx reports a fake clock's deadline, and DeadlineExceeded once
// it has passed, as a real deadline would.
type deadlineCtx struct {
	context.Context
	at time.Time
}

func (d deadlineCtx) Deadline() (time.Time, bool) { return d.at, true }

func (d deadlineCtx) Err() error {
	if err := d.Context.Err(); err != nil && context.Cause(d.Context) == context.DeadlineExceeded {
		return context.DeadlineExceeded
	}
	return d.Context.Err()
}

// Policy is a Group as an engine.Policy[T]: the rest of the chain below it
// runs once per key in flight.
type Policy[T any] struct {
	g   *Group[T]
	key func(context.Context) string
}

var _ engine.Policy[int] = Policy[int]{}

// For returns g as an engine.Policy[T]; key names each call's key (from a
// value its context carries, say).
func For[T any](g *Group[T], key func(context.Context) string) Policy[T] {
	return Policy[T]{g: g, key: key}
}

// Apply implements engine.Policy.
func (p Policy[T]) Apply(ctx context.Context, next engine.Next[T]) (T, error) {
	return p.g.Do(ctx, p.key(ctx), next.Call)
}
