package ratelimit

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// request is the closed set of messages a shard actor takes.
type request interface{ isRequest() }

// getCell asks for the live cell of (key, rate), creating it if need be.
type getCell struct {
	h    uint64
	key  string
	rate Rate
}

// sweep asks the shard to forget its idle keys (sent by its timer).
type sweep struct{}

// sweepMore continues a sweep (sent by the shard to itself).
type sweepMore struct{}

// countKeys asks how many keys the shard holds and how many decisions it
// has counted (for Stats).
type countKeys struct{}

// startShard asks shard 0 to start shard i of l (sent by the first caller
// that needs it).
type startShard struct {
	l *Limiter
	i int
}

func (getCell) isRequest()    {}
func (sweep) isRequest()      {}
func (sweepMore) isRequest()  {}
func (countKeys) isRequest()  {}
func (startShard) isRequest() {}

// reply answers a request: the cell, or (c nil) the time in nanoseconds
// until a full shard can take a new key; or the counts.
type reply struct {
	c        *cell
	retry    int64
	keys     int
	maxKeys  int    // the shard's share of MaxKeys
	rejected uint64 // key-cap refusals
	noWindow bool   // the rate is one the sliding window cannot hold
}

// shard is one actor's share of the keys. tab is written only by the
// owning actor's goroutine and read by callers; the fields after it belong
// to the owner alone. They live here rather than in the behaviour so that a
// restart after a panic keeps every key's limit.
//
// Shard 0 is made by New; another shard is made and started when a caller
// first needs it (startShard): until then the limiter holds unstarted in
// its place, so an idle limiter holds one shard and a pointer for each of
// the others, however many processors Shards was derived from.
type shard struct {
	tab   atomic.Pointer[table]
	alg   Algorithm // owner only
	actor *kernel.Actor[request, reply]
	clock engine.Clock
	base  time.Time // time zero of this shard's cells

	every    time.Duration // sweep interval
	maxKeys  int           // per shard; 0: no cap
	count    int           // owner only: live cells
	nextIdle int64         // owner only: no cell goes idle before this
	rejected uint64        // owner only: key-cap refusals
	pass     sweepPass     // owner only: the periodic sweep under way
	cfg      *Config       // owner only: the config in force (Reconfigure stores another; never written through)
}

// unstarted stands in for every shard, of every limiter, that has not
// started: its table is empty, it has no actor, and nothing writes it. A
// caller whose key's table is empty looks at whether its shard is
// unstarted before asking its actor.
var unstarted = func() *shard {
	s := &shard{}
	s.tab.Store(emptyTable)
	return s
}()

// newShard makes shard i of cfg (defaulted), without its actor, with base
// as its time zero (every shard of a limiter has shard 0's).
func newShard(clock engine.Clock, base time.Time, cfg *Config, i int) *shard {
	s := &shard{clock: clock, base: base, alg: cfg.Algorithm, every: cfg.SweepInterval, cfg: cfg}
	s.maxKeys = cfg.shardKeys(i)
	s.tab.Store(emptyTable)
	return s
}

// newActor gives s its actor.
func (s *shard) newActor() *kernel.Actor[request, reply] {
	s.actor = kernel.NewActor(0, s.newOwner)
	return s.actor
}

// since converts a clock reading to the shard's nanoseconds (never
// negative: a clock set before the shard started reads as its start).
func (s *shard) since(now time.Time) int64 { return max(int64(now.Sub(s.base)), 0) }

// now is the shard's time in nanoseconds. It goes through Clock.Since,
// which on the real clock reads only the monotonic clock — half the cost
// of Now, which reads the wall clock too.
func (s *shard) now() int64 { return max(int64(s.clock.Since(s.base)), 0) }

// get asks the owner for the cell of (key, rate).
func (s *shard) get(ctx context.Context, h uint64, key string, r Rate) (reply, error) {
	return s.actor.Ask(ctx, getCell{h: h, key: key, rate: r})
}

// owner is the behaviour of a shard's actor: it creates, evicts and
// re-tables cells, and runs the periodic sweep.
type owner struct {
	s       *shard
	timer   sweepTimer
	stopped atomic.Bool
}

// sweepTimer is a shard's sweep timer. It is armed only while the shard
// holds keys, so that an idle limiter keeps no timer and nothing wakes it.
type sweepTimer struct {
	t     engine.Timer // nil until the shard first holds a key
	armed bool         // t is set to fire
}

// Reset re-arms an armed timer to fire after d; a timer at rest stays so
// (the next key arms it).
func (st *sweepTimer) Reset(d time.Duration) {
	if st.armed {
		st.t.Reset(d)
	}
}

// Stop stops the timer.
func (st *sweepTimer) Stop() {
	if st.t != nil {
		st.t.Stop()
	}
	st.armed = false
}

func (s *shard) newOwner() kernel.Behavior[request, reply] {
	o := &owner{s: s}
	if s.count > 0 { // a restart: the keys kept need their sweeps
		o.arm()
	}
	return o
}

// arm sets the sweep timer, unless it is set.
func (o *owner) arm() {
	st := &o.timer
	if st.armed {
		return
	}
	st.armed = true
	if st.t == nil {
		st.t = o.s.clock.AfterFunc(o.s.every, o.tick)
		return
	}
	st.t.Reset(o.s.every)
}

// tick runs on the clock's goroutine: it only posts a message (Tell waits
// while the mailbox is full, so a sweep is never lost).
func (o *owner) tick() {
	if !o.stopped.Load() {
		_ = o.s.actor.Tell(sweep{})
	}
}

// Stop releases the sweep timer when the loop ends.
func (o *owner) Stop() {
	o.stopped.Store(true)
	o.timer.Stop()
}

// Receive handles one request in the actor's goroutine.
func (o *owner) Receive(m request) (reply, error) {
	s := o.s
	switch m := m.(type) {
	case getCell:
		rep := s.getOrCreate(m, s.now())
		if s.count > 0 {
			o.arm()
		}
		return rep, nil
	case sweep:
		o.timer.armed = false // it fired
		s.sweepStep(sweepChunk, true)
		if s.count > 0 {
			o.arm()
		}
	case sweepMore:
		if s.pass.on {
			s.sweepStep(sweepChunk, false)
		}
	case countKeys:
		if s.pass.on {
			s.sweepStep(math.MaxInt, false) // a sweep under way ends first
		}
		return s.counts(), nil
	case startShard:
		return reply{}, m.start(s.cfg)
	case reconfigure:
		return reply{}, o.reconfigure(m)
	default:
		panic(fmt.Sprintf("ratelimit: unknown message %T", m))
	}
	return reply{}, nil
}

// getOrCreate finds or makes the cell of m at now.
func (s *shard) getOrCreate(m getCell, now int64) reply {
	t := s.tab.Load()
	if c, _ := t.find(m.h, m.key, m.rate); c != nil {
		return reply{c: c}
	}
	if s.alg == SlidingWindow && !windowHolds(m.rate) { // checked under GCRA by a caller as the algorithm changed
		return reply{noWindow: true}
	}
	if s.maxKeys > 0 && s.count >= s.maxKeys {
		if now >= s.nextIdle {
			s.sweepAt(now, false) // a limited key is never dropped
		}
		if s.count >= s.maxKeys {
			s.rejected++
			return reply{retry: max(s.nextIdle-now, 1)}
		}
	}
	if t == emptyTable {
		t = newTable(minTableSize)
		s.tab.Store(t)
	}
	if (s.count+1)*4 > len(t.slots)*3 {
		if now >= s.nextIdle {
			s.sweepAt(now, true) // evict lazily before growing
		}
		if (s.count+1)*4 > len(t.slots)*3 {
			t = t.resized(2 * len(t.slots))
			s.tab.Store(t)
		}
	}
	c := newCell(m.h, m.key, m.rate, s.alg)
	t.put(c)
	s.count++
	// The caller is about to use the cell, which keeps it busy for at least
	// one interval.
	busy := now + min(int64(m.rate.Interval()), math.MaxInt64-now)
	s.nextIdle = min(s.nextIdle, busy)
	s.pass.least = min(s.pass.least, busy)
	return reply{c: c}
}

// start makes and starts shard m.i of m.l under cfg, the config in force,
// unless it has started. Only shard 0's goroutine runs it, so a shard
// starts once.
func (m startShard) start(cfg *Config) error {
	l := m.l
	if l.shards[m.i].Load() != unstarted {
		return nil
	}
	t, err := kernel.Spawn(context.Background(), l.eng, ShardKind, l.name+"/"+strconv.Itoa(m.i), *cfg,
		func() (*shard, kernel.Service, error) {
			t := newShard(l.clock, l.shards[0].Load().base, cfg, m.i)
			return t, t.newActor(), nil
		})
	if err != nil {
		return err
	}
	l.shards[m.i].Store(t)
	return nil
}

// counts adds up the shard's keys and decisions.
func (s *shard) counts() reply {
	return reply{keys: s.count, maxKeys: s.maxKeys, rejected: s.rejected}
}
