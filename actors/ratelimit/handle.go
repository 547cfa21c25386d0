package ratelimit

import (
	"context"
	"hash/maphash"
	"math/bits"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/spawn"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Limiter limits the rate of events per key: each (key, rate) pair is an
// independent limit. It is safe for concurrent use; its shard actors stop
// with the engine, after which every call returns messages.ErrStopped.
type Limiter struct {
	eng   *engine.Engine
	clock engine.Clock
	name  string
	alg   atomic.Uint32 // an Algorithm: the shards' (Reconfigure changes it)
	// cfg is the config in force (Reconfigure stores another), for Stats
	// to count the share of MaxKeys of the shards that have not started.
	cfg atomic.Pointer[Config]
	// shards are the key's shards, by hash: unstarted until started.
	shards []atomic.Pointer[shard]
	shift  uint // h>>shift picks the shard
	seed   maphash.Seed
	// procs is the GOMAXPROCS New derived Shards from (Config.Shards 0),
	// or 0 if Shards was given.
	procs int
	// counts are the decisions, striped by key hash so that callers on
	// different keys rarely share a cache line; nil until the first one.
	counts atomic.Pointer[[countStripes]stripeCount]
	// deadlined and cancelled count Waits refused for their deadline and
	// Waits whose context ended (rare: not striped).
	deadlined, cancelled atomic.Uint64
}

// countStripes is how many decision counters a Limiter keeps.
const countStripes = 64

// stripeCount is one stripe of decision counters, alone on its cache line.
type stripeCount struct {
	accepted, rejected atomic.Uint64
	_                  [48]byte
}

// tally counts one decision on key hash h.
func (l *Limiter) tally(h uint64, accepted bool) {
	c := &l.stripes()[h&(countStripes-1)]
	if accepted {
		c.accepted.Add(1)
	} else {
		c.rejected.Add(1)
	}
}

// stripes returns the decision counters, allocating them the first time.
func (l *Limiter) stripes() *[countStripes]stripeCount {
	if c := l.counts.Load(); c != nil {
		return c
	}
	l.counts.CompareAndSwap(nil, new([countStripes]stripeCount))
	return l.counts.Load()
}

// Result is the verdict of Check.
type Result struct {
	// Allowed reports whether the event may happen now (it was counted).
	Allowed bool
	// RetryAfter is, when not Allowed, the exact time until the key's next
	// permit (or, for ReasonKeyLimit, until a key can be forgotten).
	RetryAfter time.Duration
	// Reason is empty when Allowed, else ReasonExceeded or ReasonKeyLimit.
	Reason string
}

// Stats is a value copy of a limiter's counters.
type Stats struct {
	// Name is the limiter's name.
	Name string
	// Algorithm is the algorithm in use.
	Algorithm Algorithm
	// Shards is the number of shard actors.
	Shards int
	// ActiveKeys is the number of (key, rate) pairs holding state.
	ActiveKeys int
	// MaxKeys is the cap on ActiveKeys (0: none).
	MaxKeys int
	// Accepted counts events admitted since the limiter started (by Allow,
	// Check and Wait).
	Accepted uint64
	// Rejected counts refusals, and RejectedBy splits them by reason
	// (ReasonExceeded, ReasonKeyLimit, ReasonDeadline; a reason that never
	// happened is absent). Malformed rates are not counted; under
	// SlidingWindow each try of a Wait is a decision and counted as one
	// (the last try of a Wait refused for its deadline counts as that
	// refusal only).
	Rejected   uint64
	RejectedBy map[string]uint64
	// Cancelled counts Waits whose context ended while they waited.
	Cancelled uint64
}

// New returns the limiter called name on eng, creating it (and its shard
// actors) if it does not exist yet. Asking again for the same name with the
// same Config (after defaults) returns the same Limiter; a different Config
// is an error.
func New(eng *engine.Engine, name string, cfg Config) (*Limiter, error) {
	_, l, found, err := spawn.Find[*Limiter](eng, Kind, name, cfg, Config.withDefaults)
	if found || err != nil {
		return l, err
	}
	return create(eng, name, cfg)
}

// create is New's slow path: it gets or creates the limiter through the
// registry. A zero Shards is derived from the GOMAXPROCS the running
// limiter read when it derived its own (see Config.Shards), or else from
// today's.
func create(eng *engine.Engine, name string, cfg Config) (*Limiter, error) {
	procs := 0
	if cfg.Shards == 0 {
		procs = runtime.GOMAXPROCS(0)
		if l, ok := kernel.Lookup[*Limiter](eng, Kind, name); ok && l.procs != 0 {
			procs = l.procs
		}
	}
	full, err := cfg.defaultsFor(procs)
	if err != nil {
		return nil, err
	}
	if l, ok := kernel.Find[*Limiter](eng, Kind, name, &full); ok {
		return l, nil
	}
	return start(eng, name, full, procs)
}

// start gets or creates the limiter called name with full (its config
// with defaults, Shards derived from procs unless 0) through the
// registry. Shard 0 is the limiter's actor; the others start on first use.
func start(eng *engine.Engine, name string, full Config, procs int) (*Limiter, error) {
	return spawn.Create(eng, Kind, name, full, func(eng *engine.Engine, name string, full *Config) (*Limiter, kernel.Service, error) {
		shards := make([]atomic.Pointer[shard], full.Shards)
		s0 := newShard(eng.Clock(), eng.Clock().Now(), full, 0)
		shards[0].Store(s0)
		for i := range shards[1:] {
			shards[i+1].Store(unstarted)
		}
		l := &Limiter{
			eng:    eng,
			clock:  eng.Clock(),
			name:   name,
			shards: shards,
			shift:  uint(64 - bits.TrailingZeros(uint(full.Shards))),
			seed:   maphash.MakeSeed(),
			procs:  procs,
		}
		l.alg.Store(uint32(full.Algorithm))
		l.cfg.Store(full)
		return l, s0.newActor(), nil
	})
}

// Name returns the limiter's name.
func (l *Limiter) Name() string { return l.name }

// Allow reports whether one event for key may happen now under rate (see
// ParseRate): nil if it may (it is counted), else a *messages.RejectedError
// wrapping ErrLimited whose RetryAfter is the exact time until the key's
// next permit. A malformed rate is a *RateError: the limiter never fails
// open. After shutdown it returns messages.ErrStopped. ctx bounds only the
// rare round trip to a shard actor (a key's first use).
func (l *Limiter) Allow(ctx context.Context, key, rate string) error {
	r, err := ParseRate(rate)
	if err != nil {
		return err
	}
	res, err := l.check(ctx, key, r, rate)
	if err != nil || res.Allowed {
		return err
	}
	return l.rejected(res)
}

// AllowRate is Allow with a parsed Rate.
func (l *Limiter) AllowRate(ctx context.Context, key string, r Rate) error {
	res, err := l.CheckRate(ctx, key, r)
	if err != nil || res.Allowed {
		return err
	}
	return l.rejected(res)
}

// Check is Allow that reports a refusal as a Result instead of an error,
// so that it never allocates: err is only for a malformed rate, ctx or
// shutdown.
func (l *Limiter) Check(ctx context.Context, key, rate string) (Result, error) {
	r, err := ParseRate(rate)
	if err != nil {
		return Result{}, err
	}
	return l.check(ctx, key, r, rate)
}

// CheckRate is Check with a parsed Rate.
func (l *Limiter) CheckRate(ctx context.Context, key string, r Rate) (Result, error) {
	if err := r.check(); err != nil {
		return Result{}, err
	}
	return l.check(ctx, key, r, "")
}

func (l *Limiter) rejected(res Result) error {
	return &messages.RejectedError{Err: ErrLimited, Pattern: Kind, Name: l.name, Reason: res.Reason, RetryAfter: res.RetryAfter}
}

// check decides one event; label is the rate as the caller wrote it ("":
// r.String(), built only for events).
func (l *Limiter) check(ctx context.Context, key string, r Rate, label string) (Result, error) {
	if err := l.windowFits(r, label); err != nil {
		return Result{}, err
	}
	h := l.hash(key, r)
	return l.decide(ctx, h>>l.shift, h, key, r, label, nil)
}

// windowFits refuses a rate the sliding window cannot hold: a count of
// more than 1,048,575, or more than a word can count for the period (see
// windowSpanOK; the rule names the largest count the period takes).
func (l *Limiter) windowFits(r Rate, label string) error {
	if l.algorithm() == SlidingWindow && !windowHolds(r) {
		return windowError(r, label)
	}
	return nil
}

// windowHolds reports whether the sliding window can hold r.
func windowHolds(r Rate) bool { return r.Count <= LargestWindowCount && windowSpanOK(r) }

// windowError is the *RateError of a rate the sliding window cannot hold.
func windowError(r Rate, label string) error {
	return &RateError{Input: rateLabel(r, label), Rule: "count must be at most " +
		strconv.FormatInt(maxWindowCountFor(r.Period), 10) + " per " + r.Period.String() + " for the sliding window"}
}

// decide takes one decision on the cell of (key, r) in shard i. cache, when
// not nil, holds the cell an earlier decision used (a KeyGuard's): it is
// tried first, skipping the table, and refreshed when the owner has
// evicted it. Cells are never replaced while live, so a cached live cell is
// the key's one cell.
func (l *Limiter) decide(ctx context.Context, i, h uint64, key string, r Rate, label string, cache *atomic.Pointer[cell]) (Result, error) {
	s := l.shards[i].Load() // started, if cache holds a cell
	for {
		var c *cell
		if cache != nil {
			c = cache.Load()
		}
		if c == nil {
			var res Result
			var err error
			if c, s, res, err = l.cell(ctx, i, s, h, key, r); c == nil {
				if err == nil {
					l.publish(eventstream.EventRateLimitExceeded, key, r, label)
				}
				return res, err
			}
			if cache != nil {
				cache.Store(c)
			}
		} else if err := s.actor.Err(); err != nil {
			return Result{}, err
		}
		ok, retry, isDead := c.allowAt(s.now())
		if isDead {
			if cache != nil {
				cache.CompareAndSwap(c, nil)
			}
			continue // evicted under us: the owner makes a fresh one
		}
		l.tally(h, ok)
		if ok {
			l.publish(eventstream.EventRateLimitPassed, key, r, label)
			return Result{Allowed: true}, nil
		}
		l.publish(eventstream.EventRateLimitExceeded, key, r, label)
		return Result{RetryAfter: time.Duration(retry), Reason: ReasonExceeded}, nil
	}
}

// cell returns the live cell of (key, r) and its shard, shard i, which s
// is (or unstarted, which it replaces): from the shard's table without a
// round trip, or from its owner, starting the shard first if need be. A
// nil cell with a nil error is a refusal for the key cap, described by
// the Result.
func (l *Limiter) cell(ctx context.Context, i uint64, s *shard, h uint64, key string, r Rate) (*cell, *shard, Result, error) {
	if c := s.tab.Load().lookup(h, key, r); c != nil {
		if err := s.actor.Err(); err != nil {
			return nil, s, Result{}, err
		}
		return c, s, Result{}, nil
	}
	if s == unstarted {
		if _, err := l.shards[0].Load().actor.Ask(ctx, startShard{l: l, i: int(i)}); err != nil {
			return nil, s, Result{}, err
		}
		s = l.shards[i].Load()
	}
	rep, err := s.get(ctx, h, key, r)
	if err != nil {
		return nil, s, Result{}, err
	}
	if rep.noWindow {
		return nil, s, Result{}, windowError(r, "")
	}
	if rep.c == nil {
		return nil, s, Result{RetryAfter: time.Duration(rep.retry), Reason: ReasonKeyLimit}, nil
	}
	return rep.c, s, Result{}, nil
}

// Stats returns the limiter's counters; it asks every shard for its key
// count.
func (l *Limiter) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Name: l.name, Algorithm: l.algorithm(), Shards: len(l.shards)}
	var keyLimit, exceeded uint64
	for i := range l.shards {
		rep, err := l.countKeys(ctx, i)
		if err != nil {
			return Stats{}, err
		}
		st.ActiveKeys += rep.keys
		st.MaxKeys += rep.maxKeys
		keyLimit += rep.rejected // refusals for the key cap, counted by the owner
	}
	if c := l.counts.Load(); c != nil {
		for i := range c {
			st.Accepted += c[i].accepted.Load()
			exceeded += c[i].rejected.Load()
		}
	}
	deadline := l.deadlined.Load()
	st.Cancelled = l.cancelled.Load()
	st.Rejected = exceeded + keyLimit + deadline
	st.RejectedBy = make(map[string]uint64, 3)
	for reason, n := range map[string]uint64{ReasonExceeded: exceeded, ReasonKeyLimit: keyLimit, ReasonDeadline: deadline} {
		if n > 0 {
			st.RejectedBy[reason] = n
		}
	}
	return st, nil
}

// countKeys asks shard i for its counts; one that has not started holds
// no key and its share of MaxKeys under the config in force. Once the
// engine has stopped, it returns shard 0's error, as a started shard's
// Ask would.
func (l *Limiter) countKeys(ctx context.Context, i int) (reply, error) {
	s := l.shards[i].Load()
	if s == unstarted {
		if err := l.shards[0].Load().actor.Err(); err != nil {
			return reply{}, err
		}
		return reply{maxKeys: l.cfg.Load().shardKeys(i)}, nil
	}
	return s.actor.Ask(ctx, countKeys{})
}

func (l *Limiter) hash(key string, r Rate) uint64 {
	h := maphash.String(l.seed, key)
	h ^= uint64(r.Count)*0x9e3779b97f4a7c15 ^ uint64(r.Period)*0xc2b2ae3d27d4eb4f
	// murmur3's finaliser: the shard takes the high bits, the table the low.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// publish sends a rate-limit event (Fields.Key and Fields.Limit); nothing
// is built when nobody subscribes.
func (l *Limiter) publish(t eventstream.Type, key string, r Rate, label string) {
	if !l.eng.Events().HasSubscribers() {
		return
	}
	l.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: l.name,
		Fields: eventstream.Fields{Key: key, Limit: rateLabel(r, label)}})
}

func rateLabel(r Rate, label string) string {
	if label != "" {
		return label
	}
	return r.String()
}
