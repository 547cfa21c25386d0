package coalesce

import (
	"context"
	"hash/maphash"
	"runtime/debug"
	"sync/atomic"
	"time"

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
	name  string
	eng   *engine.Engine
	clock engine.Clock
	tm    timing // clock, for the executions' contexts
	cfg   Config
	reuse time.Duration // cfg.ReuseFor
	seed  maphash.Seed
	table atomic.Pointer[[shards]shard[T]] // made by the first call: an idle Group holds none
	keys  places[T]                        // the MaxKeys places (see places.go); Load: kept results << 32 | open flights
}

// A shard is one list of flights, the places it holds and the counters
// of the calls whose key hashes to it, on its own lines: a call that
// changes the list has them already, so taking a place and counting there
// cost uncontended operations, and shards do not share lines.
type shard[T any] struct {
	head atomic.Pointer[node[T]]
	held atomic.Uint64            // spare places | kept results << 32 (see places.go)
	n    [nCounters]atomic.Uint64 // indexed by the c… constants of stats.go
	_    [2*64 - 16 - 8*nCounters]byte
}

// New returns a Group named name. eng may be nil: then the real clock is
// used and the Group never stops.
func New[T any](eng *engine.Engine, name string, cfg Config) (*Group[T], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Group[T]{name: name, eng: eng, clock: engine.RealClock{}, cfg: cfg.withDefaults(),
		reuse: cfg.ReuseFor, seed: maphash.MakeSeed()}
	if eng != nil {
		g.clock = eng.Clock()
	}
	g.tm = newTiming(g.clock)
	g.keys.init(g.cfg.MaxKeys, &g.table)
	return g, nil
}

// shards returns g's shards, making them on the first call.
func (g *Group[T]) shards() *[shards]shard[T] {
	if t := g.table.Load(); t != nil {
		return t
	}
	g.table.CompareAndSwap(nil, new([shards]shard[T]))
	return g.table.Load()
}

// Config returns the configuration in force.
func (g *Group[T]) Config() Config { return g.cfg }

// Name returns g's name.
func (g *Group[T]) Name() string { return g.name }

// InFlight returns how many keys are in flight now: exact once no call
// runs; while calls start and end, off by the places on the move between
// the shards and the Group (InFlight + Kept stays at most MaxKeys).
func (g *Group[T]) InFlight() int { return int(uint32(g.keys.Load())) }

// Kept returns how many keys have a result kept for reuse now.
func (g *Group[T]) Kept() int { return int(g.keys.Load() >> 32) }

// Do runs fn once for all the concurrent calls with key and returns its
// result to each. The first caller (the leader) starts fn in a goroutine
// under a context that keeps ctx's values but not its cancellation and
// ends after Config.Timeout; a caller who joins while it runs (a
// follower) waits for the same result. A caller whose ctx ends gets
// ctx.Err() at once and leaves the execution running for the others. A
// panic in fn reaches every caller as a *messages.PanicError. With
// Config.ReuseFor, a success is also returned to the callers who come
// for key within ReuseFor after fn returned, without running fn.
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
	sh := &g.shards()[maphash.String(g.seed, key)%shards]
	if err := ctx.Err(); err != nil {
		sh.n[cGone].Add(1)
		return zero, err
	}
	f, role, err := g.joinOrStart(ctx, sh, key, fn)
	switch role {
	case rejected:
		sh.n[cRejected].Add(1)
		return zero, err
	case done: // the leader ran fn itself, or a kept result
		return f.result()
	}
	select {
	case <-f.waitChan():
		return f.result()
	case <-ctx.Done():
		sh.n[cCancelled].Add(1)
		return zero, ctx.Err()
	case <-g.eng.Done():
		return zero, messages.ErrStopped
	}
}

// role is what joinOrStart made of a call.
type role uint8

const (
	waiting  role = iota // a follower, or a leader whose execution runs in a goroutine
	done                 // the result is in: a leader that ran fn itself, or a kept result
	rejected             // MaxKeys keys were taken
)

// joinOrStart joins the open flight of key, reuses its kept result, or
// starts a flight.
func (g *Group[T]) joinOrStart(ctx context.Context, sh *shard[T], key string, fn func(context.Context) (T, error)) (*flight[T], role, error) {
	var at time.Duration // now on g's timing, when kept results may be reused
	if g.reuse > 0 {
		at = g.tm.now()
	}
	var mine *flight[T]
	inline := false
	for {
		head := sh.head.Load()
		if f := find(head, key, at); f != nil {
			// One read of the closed bit decides: f may close at any
			// time, and a caller who saw it open, then closed, would
			// start a flight in front of its kept result, which a
			// failure of the new one would bring back (older than
			// results already returned).
			if !f.closed() { // it may close at once: the follower waits no time
				g.release(sh, mine)
				sh.n[cFollowers].Add(1)
				return f, waiting, nil
			}
			if f.keptAt(at) { // kept until after at: it closed after at, or is kept
				g.release(sh, mine)
				sh.n[cReused].Add(1)
				return f, done, nil
			}
			// closed meanwhile without a kept result: gone at at
		}
		if mine == nil {
			if !g.keys.take(sh) {
				return nil, rejected, &messages.RejectedError{Err: ErrTooManyKeys, Pattern: Kind, Name: g.name, Reason: ReasonKeysFull}
			}
			inline = ctx.Done() == nil && g.eng.Done() == nil
			mine = makeFlight[T](key, !inline)
		}
		if sh.head.CompareAndSwap(head, with(head, mine, at)) {
			sh.n[cLeaders].Add(1)
			if inline {
				// A leader that can never leave (no cancellation, no
				// engine to stop) runs the work itself: the same as
				// waiting for a goroutine, without one.
				g.execute(ctx, sh, mine, fn)
				return mine, done, nil
			}
			go g.execute(context.WithoutCancel(ctx), sh, mine, fn)
			return mine, waiting, nil
		}
	}
}

// release gives back the place taken for f, a flight of sh never
// started (nil: none).
func (g *Group[T]) release(sh *shard[T], f *flight[T]) {
	if f != nil {
		g.keys.give(sh, false)
	}
}

// execute runs fn for f under values' values, publishes its result to
// f's callers and takes f out of its shard, or keeps it there for
// ReuseFor if it succeeded.
func (g *Group[T]) execute(values context.Context, sh *shard[T], f *flight[T], fn func(context.Context) (T, error)) {
	f.ctx.start(values, &g.tm, g.cfg.Timeout)
	panicked := true
	var o *outcome // the rest of the result: none for a success not kept
	defer func() {
		if panicked {
			o = &outcome{err: &messages.PanicError{Value: recover(), Stack: debug.Stack()}}
			sh.n[cPanics].Add(1)
		}
		kept := g.reuse > 0 && o == nil
		if kept {
			o = &outcome{keep: g.tm.now() + g.reuse}
			g.keys.keep(sh) // before the callers learn the result
		} else {
			g.keys.give(sh, false)
		}
		f.close(o)
		f.ctx.end()
		if kept { // armed before the waiters wake: a caller who saw this result sees its expiry armed
			g.clock.AfterFunc(g.reuse, func() {
				g.remove(sh, f)
				g.keys.give(sh, true)
			})
		}
		f.wakeAll()
		if !kept {
			g.remove(sh, f)
		}
	}()
	var err error
	f.v, err = fn(&f.ctx)
	if err != nil {
		o = &outcome{err: err}
	}
	panicked = false
}

// remove takes f out of sh, with the flights gone meanwhile.
func (g *Group[T]) remove(sh *shard[T], f *flight[T]) {
	var at time.Duration
	if g.reuse > 0 {
		at = g.tm.now()
	}
	for {
		head := sh.head.Load()
		rest, changed := without(head, f, at)
		if !changed || sh.head.CompareAndSwap(head, rest) {
			return
		}
	}
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
