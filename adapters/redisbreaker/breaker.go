package redisbreaker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Breaker is a circuit breaker shared by every process that uses the same
// Redis and name. It is an engine.Guard and safe for concurrent use. Its
// goroutine (the flusher, owned by the engine's supervisor) and its local
// breaker stop with the engine; after that every call returns
// messages.ErrStopped.
type Breaker struct {
	name    string
	eng     *engine.Engine
	local   *circuitbreaker.Breaker
	lcfg    circuitbreaker.Config // the local breaker's, defaults filled in
	client  goredis.UniversalClient
	cfg     Config
	keys    []string // state, window, leases
	channel string
	member  string // this handle's prefix for lease members
	view    atomic.Pointer[view]
	actor   *kernel.Actor[tick, struct{}]

	classify func(error) messages.Outcome // the local breaker's

	// The outcomes of CLOSED waiting for the next flush (slow: those of
	// them at or above Breaker.SlowCallDuration), and the failures since
	// this process's last success.
	succ, fail, slow, trailing atomic.Uint64
	// trials maps the token of a half-open trial permit to the generation
	// it was leased in; held counts its entries, so that Release looks in
	// it only while a trial is out. Trial tokens are below 1<<48; the local
	// breaker's carry a non-zero tag above that, so the two never meet.
	trials    sync.Map
	held      atomic.Int64
	nextTrial atomic.Uint64

	flushes, flushErrors, rejected, leased atomic.Uint64
}

// view is the shared state as this process last saw it.
type view struct {
	state     circuitbreaker.State
	gen       uint64
	openUntil time.Time // on the engine's clock
	fallback  bool      // Redis unreachable: the local breaker decides alone
}

var _ engine.Guard = (*Breaker)(nil)

// Stats is a value copy of a shared breaker's counters.
type Stats struct {
	// Name is the breaker's name.
	Name string
	// State and Generation are the shared circuit as this process last saw
	// it (within one FlushInterval).
	State      circuitbreaker.State
	Generation uint64
	// Fallback reports that Redis could not be reached at the last attempt:
	// the local breaker decides alone until a flush succeeds.
	Fallback bool
	// Flushes and FlushErrors count the flushes to Redis.
	Flushes, FlushErrors uint64
	// Rejected counts calls refused by the shared state (open, or every
	// trial lease taken); the local breaker's refusals are in Local.
	Rejected uint64
	// Trials counts the half-open trial leases this process was granted.
	Trials uint64
	// Local is the process's own breaker.
	Local circuitbreaker.Stats
}

// registryKey is what tells two configurations of one name apart in the
// engine's registry (the local breaker compares Config.Breaker itself).
type registryKey struct {
	client                 goredis.UniversalClient
	prefix                 string
	flushInterval, timeout time.Duration
	flushOutcomes          int
}

// New returns the shared breaker called name in eng, creating it, its
// local circuitbreaker.Breaker (of the same name) and its flusher if they
// do not exist. client is the caller's; it must honour context deadlines
// (go-redis's ContextTimeoutEnabled). A bad cfg is a *messages.ConfigError;
// Config.Breaker.Timeout must be zero (Execute does not time calls: compose
// a timeout policy instead).
func New(eng *engine.Engine, name string, client goredis.UniversalClient, cfg Config) (*Breaker, error) {
	switch {
	case eng == nil:
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	case strings.TrimSpace(name) == "":
		return nil, messages.InvalidConfig(Kind, "name", fmt.Sprintf("%q", name), "must not be empty")
	case client == nil:
		return nil, messages.InvalidConfig(Kind, "client", "nil", "must be a go-redis UniversalClient")
	case cfg.Breaker.Timeout != 0:
		return nil, messages.InvalidConfig(Kind, "Breaker.Timeout", cfg.Breaker.Timeout, "must be 0: a shared breaker does not time calls (compose a timeout policy)")
	}
	full, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	local, err := circuitbreaker.New(eng, name, full.Breaker)
	if err != nil {
		return nil, err
	}
	key := registryKey{client: client, prefix: full.Prefix, flushInterval: full.FlushInterval, timeout: full.Timeout, flushOutcomes: full.FlushOutcomes}
	if b, ok := kernel.Find[*Breaker](eng, Kind, name, &key); ok {
		if _, ok := kernel.Find[*follower](eng, FollowerKind, name, &key); ok {
			return b, nil
		}
	}
	return spawn(eng, name, local, full, key)
}

// spawn gets or creates the shared breaker called name and its follower,
// with full, its config with defaults, and key, its registry key; local is
// its local breaker. It is apart from New so that New of an existing name,
// which Find answers, allocates nothing: the start functions are made only
// here.
func spawn(eng *engine.Engine, name string, local *circuitbreaker.Breaker, full Config, key registryKey) (*Breaker, error) {
	client := key.client
	b, err := kernel.Spawn(context.Background(), eng, Kind, name, key, func() (*Breaker, kernel.Service, error) {
		var id [8]byte
		_, _ = rand.Read(id[:])
		base := full.Prefix + ":{" + tag(name) + "}:"
		b := &Breaker{name: name, eng: eng, local: local, lcfg: local.Config(), classify: local.Classify, client: client, cfg: full,
			keys:    []string{base + "state", base + "window", base + "leases"},
			channel: base + "events", member: hex.EncodeToString(id[:]) + ":"}
		b.view.Store(&view{state: circuitbreaker.Closed})
		b.actor = kernel.NewActor(8, func() kernel.Behavior[tick, struct{}] {
			f := &flusher{b: b}
			b.actor.TryTell(tick{}) // the first flush reads the shared state
			return f
		})
		return b, b.actor, nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := kernel.Spawn(context.Background(), eng, FollowerKind, name, key, func() (*follower, kernel.Service, error) {
		f := &follower{b: b}
		return f, f, nil
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// tag is the breaker's Redis Cluster hash tag: the name itself when it has
// no brace, else its hex encoding (never empty: name is not).
func tag(name string) string {
	if strings.ContainsAny(name, "{}") {
		return "#" + hex.EncodeToString([]byte(name))
	}
	return name
}

// Name returns the breaker's name.
func (b *Breaker) Name() string { return b.name }

// Local returns the process's own breaker.
func (b *Breaker) Local() *circuitbreaker.Breaker { return b.local }

// Acquire asks to start one call. While the shared circuit is CLOSED (or
// Redis is unreachable) the local breaker decides, without touching Redis.
// While it is OPEN the call is refused from the last shared state seen,
// with the time left as RetryAfter. Once the recovery timeout has passed,
// a call asks Redis for one of HalfOpenMaxCalls trial leases shared by
// every process (one round trip, bounded by Config.Timeout). Every granted
// Permit must be given back to Release exactly once.
func (b *Breaker) Acquire(ctx context.Context) (engine.Permit, error) {
	v := b.view.Load()
	if v.fallback || v.state == circuitbreaker.Closed {
		return b.local.Acquire(ctx)
	}
	if b.eng.Stopped() {
		return engine.Permit{}, messages.ErrStopped
	}
	if v.state == circuitbreaker.Open {
		if left := v.openUntil.Sub(b.eng.Clock().Now()); left > 0 {
			b.rejected.Add(1)
			return engine.Permit{}, b.refuse(circuitbreaker.ReasonOpen, left)
		}
	}
	return b.acquireTrial(ctx)
}

func (b *Breaker) refuse(reason string, retry time.Duration) error {
	return &messages.RejectedError{Err: circuitbreaker.ErrOpen, Pattern: Kind, Name: b.name, Reason: reason, RetryAfter: retry}
}

// acquireTrial asks Redis for a trial lease.
func (b *Breaker) acquireTrial(ctx context.Context) (engine.Permit, error) {
	tok := b.nextTrial.Add(1) & (1<<48 - 1)
	rctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	res, err := trial.Run(rctx, b.client, b.keys, b.member+strconv.FormatUint(tok, 10),
		micros(b.lcfg.HalfOpenLease), b.lcfg.HalfOpenMaxCalls, micros(b.lcfg.RecoveryTimeout), b.channel).Result()
	if err != nil {
		if ctx.Err() != nil {
			return engine.Permit{}, ctx.Err()
		}
		b.fallBack(err)
		return b.local.Acquire(ctx)
	}
	v, granted, err := b.adopt(res)
	switch {
	case err != nil:
		b.fallBack(err)
		return b.local.Acquire(ctx)
	case granted:
		b.leased.Add(1)
		b.held.Add(1)
		b.trials.Store(tok, v.gen)
		p := engine.Permit{Token: tok}
		if b.lcfg.SlowCallDuration > 0 {
			p.Start = b.eng.Clock().Now()
		}
		return p, nil
	case v.state == circuitbreaker.Closed:
		return b.local.Acquire(ctx)
	case v.state == circuitbreaker.Open:
		b.rejected.Add(1)
		return engine.Permit{}, b.refuse(circuitbreaker.ReasonOpen, max(v.openUntil.Sub(b.eng.Clock().Now()), 0))
	}
	b.rejected.Add(1)
	return engine.Permit{}, b.refuse(circuitbreaker.ReasonHalfOpenFull, 0)
}

// Release reports how the call of p ended. A permit of the local breaker
// goes back to it, and its outcome waits for the next flush (the closed
// path never touches Redis); a trial's outcome is reported to Redis at
// once (one round trip, bounded by Config.Timeout; if Redis cannot be
// reached the lease runs out and counts as a failure).
func (b *Breaker) Release(p engine.Permit, o messages.Outcome) {
	if b.held.Load() > 0 {
		if g, ok := b.trials.LoadAndDelete(p.Token); ok {
			b.held.Add(-1)
			b.reportTrial(p.Token, g.(uint64), o, b.slowCall(p))
			return
		}
	}
	b.local.Release(p, o)
	if b.view.Load().fallback {
		return
	}
	var n uint64
	switch o {
	case messages.Success:
		n = b.succ.Add(1)
		if b.trailing.Load() != 0 {
			b.trailing.Store(0)
		}
	case messages.Failure:
		n = b.fail.Add(1)
		b.trailing.Add(1)
	default:
		return
	}
	if b.slowCall(p) {
		b.slow.Add(1) // after its call's count: a flush never takes it first (see flusher)
	}
	if n%uint64(b.cfg.FlushOutcomes) == 0 {
		b.actor.TryTell(tick{}) // FlushOutcomes of one kind wait: flush early
	}
}

// slowCall reports whether the call of p took Breaker.SlowCallDuration or
// more (false when it is not set).
func (b *Breaker) slowCall(p engine.Permit) bool {
	d := b.lcfg.SlowCallDuration
	return d > 0 && !p.Start.IsZero() && b.eng.Clock().Since(p.Start) >= d
}

func (b *Breaker) reportTrial(tok, gen uint64, o messages.Outcome, slow bool) {
	outcome := "ignored"
	switch o {
	case messages.Success:
		outcome = "success"
	case messages.Failure:
		outcome = "failure"
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
	defer cancel()
	isSlow := 0
	if slow {
		isSlow = 1
	}
	res, err := report.Run(ctx, b.client, b.keys, b.member+strconv.FormatUint(tok, 10), gen, outcome,
		b.lcfg.SuccessThreshold, micros(b.lcfg.RecoveryTimeout), b.channel, isSlow, b.lcfg.OpenAtSlowCallRate).Result()
	if err == nil {
		_, _, err = b.adopt(res)
	}
	if err != nil {
		b.fallBack(err)
	}
}

// Execute calls fn if the breaker admits it and reports how it ended
// (Config.Breaker.IsFailure decides, as for the local breaker): it is
// engine.Run with the local breaker's Classify. A refusal is an error
// matching circuitbreaker.ErrOpen; a panic in fn is reported as a failure
// and goes on. A nil fn is an error wrapping messages.ErrInvalidConfig.
func (b *Breaker) Execute(ctx context.Context, fn func(context.Context) error) error {
	return engine.Run(ctx, b, b.classify, fn)
}

// State returns the shared state as this process last saw it, and whether
// the local breaker decides alone because Redis is unreachable.
func (b *Breaker) State() (state circuitbreaker.State, fallback bool) {
	if b.eng.Stopped() {
		return circuitbreaker.Stopped, false
	}
	v := b.view.Load()
	return v.state, v.fallback
}

// Stats returns the breaker's counters and its local breaker's.
func (b *Breaker) Stats(ctx context.Context) (Stats, error) {
	v := b.view.Load()
	st := Stats{Name: b.name, State: v.state, Generation: v.gen, Fallback: v.fallback, Flushes: b.flushes.Load(),
		FlushErrors: b.flushErrors.Load(), Rejected: b.rejected.Load(), Trials: b.leased.Load()}
	local, err := b.local.Stats(ctx)
	st.Local = local
	return st, err
}

// Sync flushes now and waits for the answer: tests and shutdown hooks use
// it to have the shared state read and this process's outcomes sent.
func (b *Breaker) Sync(ctx context.Context) error {
	_, err := b.actor.Ask(ctx, tick{sync: true})
	return err
}

// adopt makes a script's reply the view, unless the view already holds a
// later generation, and returns the view and the reply's extra flag.
func (b *Breaker) adopt(res any) (*view, bool, error) {
	r, ok := res.([]any)
	if !ok || len(r) != 4 {
		return nil, false, fmt.Errorf("redisbreaker: unexpected script reply %v", res)
	}
	name, _ := r[0].(string)
	genS, _ := r[1].(string)
	left, _ := r[2].(int64)
	extra, _ := r[3].(int64)
	gen, err := strconv.ParseUint(genS, 10, 64)
	if err != nil {
		return nil, false, fmt.Errorf("redisbreaker: unexpected generation %q", genS)
	}
	nv := &view{gen: gen, openUntil: b.eng.Clock().Now().Add(time.Duration(left) * time.Microsecond)}
	switch name {
	case "closed":
		nv.state = circuitbreaker.Closed
	case "open":
		nv.state = circuitbreaker.Open
	case "half_open":
		nv.state = circuitbreaker.HalfOpen
	default:
		return nil, false, fmt.Errorf("redisbreaker: unexpected state %q", name)
	}
	for {
		cur := b.view.Load()
		if !cur.fallback && cur.gen > nv.gen {
			return cur, extra == 1, nil
		}
		if b.view.CompareAndSwap(cur, nv) {
			return nv, extra == 1, nil
		}
	}
}

// fallBack marks Redis unreachable and says so once per outage.
func (b *Breaker) fallBack(err error) {
	for {
		cur := b.view.Load()
		if cur.fallback {
			return
		}
		nv := *cur
		nv.fallback = true
		if b.view.CompareAndSwap(cur, &nv) {
			b.eng.Publish(eventstream.Event{Type: eventstream.EventBackendError, Pattern: Kind, Name: b.name,
				Fields: eventstream.Fields{Err: err.Error()}})
			return
		}
	}
}

func micros(d time.Duration) int64 { return int64(d / time.Microsecond) }
