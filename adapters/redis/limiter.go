package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// ErrRateLimited is the sentinel every refusal of a Limiter unwraps to
// (ratelimit.ErrLimited).
var ErrRateLimited = messages.ErrRateLimited

// Reasons of a Limiter's refusals (messages.RejectedError.Reason), beside
// ratelimit.ReasonExceeded (the key used up its rate; RetryAfter says when
// the next request would pass) and ratelimit.ReasonDeadline (Wait would
// outlast its context). These two mean the limiter could not decide, and an
// HTTP server answers them 503, not 429.
const (
	// ReasonBackendUnavailable: Redis did not answer in time or failed
	// (Allow's error also wraps the cause: connection refused, i/o
	// timeout, …) and the fail mode is FailClosed.
	ReasonBackendUnavailable = messages.ReasonBackendUnavailable
	// ReasonBusy: local overload, not a Redis failure. Config.MaxInFlight
	// decisions were waiting on Redis and no slot came free within half the
	// caller's time; or the decision timed out while Redis answered other
	// decisions of this Limiter meanwhile (it waited in this process).
	ReasonBusy = messages.ReasonBusy
)

// Limiter is a ratelimit.Interface whose limits are shared by every
// process that uses the same Redis: each decision is one Lua script on the
// server, on the server's clock. It is safe for concurrent use. It holds no
// goroutine of its own; the client belongs to the caller, who closes it.
// Once its engine has begun Shutdown, every call returns
// messages.ErrStopped, Waits that were waiting included.
type Limiter struct {
	eng    *engine.Engine
	clock  engine.Clock
	done   <-chan struct{} // the engine's Done; nil without an engine
	name   string
	client goredis.UniversalClient
	cfg    Config
	slots  chan struct{} // a token per decision waiting on Redis
	cache  tokenCache    // permits taken ahead (Config.LocalBatch)

	accepted, exceeded, deadline, busy, unavailable, cancelled atomic.Uint64
	backendErrors, failedOpen, returned                        atomic.Uint64
	lastErrorEvent                                             atomic.Int64 // unix nanos
	born                                                       time.Time    // the origin of lastAnswer
	lastAnswer                                                 atomic.Int64 // when Redis last answered a decision, in ns since born
}

var _ ratelimit.Interface = (*Limiter)(nil)

// Stats counts a Limiter's decisions since it was made.
type Stats struct {
	// Name is the limiter's name.
	Name string
	// Algorithm is the algorithm in use.
	Algorithm ratelimit.Algorithm
	// Accepted counts admitted events, those admitted without Redis by
	// FailOpen included.
	Accepted uint64
	// Rejected counts refusals, and RejectedBy splits them by reason
	// (ratelimit.ReasonExceeded, ratelimit.ReasonDeadline, ReasonBusy,
	// ReasonBackendUnavailable; a reason that never happened is absent).
	// Under SlidingWindow each try of a Wait is a decision and counted (the
	// last try of a Wait refused for its deadline as that refusal only).
	Rejected   uint64
	RejectedBy map[string]uint64
	// Cancelled counts Waits whose context ended while they waited.
	Cancelled uint64
	// BackendErrors counts decisions that could not reach Redis.
	BackendErrors uint64
	// FailedOpen counts events admitted because Redis could not be reached.
	FailedOpen uint64
	// Returned counts the permits Config.LocalBatch took ahead that were
	// given back to Redis unused when their hold ended.
	Returned uint64
}

// New returns a Limiter named name (events carry it) that keeps its state in
// client. eng supplies the event stream, the clock Wait sleeps on and the
// lifetime; it may be nil (no events, the wall clock, never stopped).
// client must end a command at its context's deadline (go-redis's
// ContextTimeoutEnabled, see Config.Timeout); New refuses one that cannot,
// and a bad cfg, with a *messages.ConfigError.
func New(eng *engine.Engine, name string, client goredis.UniversalClient, cfg Config) (*Limiter, error) {
	if strings.TrimSpace(name) == "" {
		return nil, messages.InvalidConfig(Kind, "name", fmt.Sprintf("%q", name), "must not be empty")
	}
	if client == nil {
		return nil, messages.InvalidConfig(Kind, "client", "nil", "must be a go-redis UniversalClient")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pool, err := clientPool(client)
	if err != nil {
		return nil, err
	}
	cfg, err = cfg.withDefaults(pool)
	if err != nil {
		return nil, err
	}
	l := &Limiter{eng: eng, clock: engine.RealClock{}, name: name, client: client, cfg: cfg,
		slots: make(chan struct{}, cfg.MaxInFlight), born: time.Now()}
	if eng != nil {
		l.done = eng.Done()
		l.clock = eng.Clock()
	}
	return l, nil
}

// Name returns the limiter's name.
func (l *Limiter) Name() string { return l.name }

// bound is a (key, rate) pair checked against the limiter's bounds, with
// the start of its Redis keys; or, if err is set, why the pair was refused
// (and nothing else is set). The calls that decide on a bound return its
// err first, so each public form is one bind or parse and one call.
type bound struct {
	key, label, base string // label: the rate as the caller wrote it ("": r.String())
	r                ratelimit.Rate
	micros           int64 // r.Period in microseconds
	err              error
}

// bind checks r and builds the keys of (key, r). A rate the algorithm
// cannot count exactly is a *ratelimit.RateError quoting it.
func (l *Limiter) bind(key string, r ratelimit.Rate, label string) bound {
	maxCount := int64(LargestCount)
	if l.cfg.Algorithm == ratelimit.SlidingWindow {
		maxCount = LargestWindowCount
	}
	rule := ""
	switch {
	case r.Count < 1 || r.Count > maxCount:
		rule = fmt.Sprintf("count must be between 1 and %d", maxCount)
	case r.Period < SmallestPeriod || r.Period > LargestPeriod || r.Period%time.Microsecond != 0:
		rule = "period must be a whole number of microseconds between " + SmallestPeriod.String() + " and " + LargestPeriod.String()
	}
	if rule != "" {
		if label == "" {
			label = fmt.Sprintf("%d/%v", r.Count, r.Period)
		}
		return bound{err: &ratelimit.RateError{Input: label, Rule: rule}}
	}
	micros := int64(r.Period / time.Microsecond)
	return bound{key: key, label: label, r: r, micros: micros,
		base: keyBase(l.cfg.Prefix, key, int(r.Count), micros)}
}

// parse reads rate (see ratelimit.ParseRate) and binds (key, rate).
func (l *Limiter) parse(key, rate string) bound {
	r, err := ratelimit.ParseRate(rate)
	if err != nil {
		return bound{err: err}
	}
	return l.bind(key, r, rate)
}

// Allow admits one request under key if the key's rate allows it now
// (ratelimit.Interface.Allow): nil, or a *messages.RejectedError wrapping
// ErrRateLimited whose Reason is ratelimit.ReasonExceeded and whose
// RetryAfter is the exact wait. A malformed rate, or one the algorithm
// cannot count (see LargestCount, LargestPeriod), is a
// *ratelimit.RateError. key may hold any bytes (see the package doc for
// how it is stored).
//
// Allow returns by the earlier of ctx's deadline and Config.Timeout. If
// Redis fails or does not answer by then, the fail mode decides (the error
// of FailClosed has Reason ReasonBackendUnavailable and wraps the cause);
// if ctx is cancelled first, Allow returns ctx.Err(). It refuses with
// ReasonBusy (local overload: no fail mode) if MaxInFlight decisions hold
// every slot for half that time, if the client's pool has no connection
// for it, or if it timed out while Redis answered other decisions of this
// Limiter. After the engine's Shutdown it returns messages.ErrStopped.
func (l *Limiter) Allow(ctx context.Context, key, rate string) error {
	return l.allow(ctx, l.parse(key, rate))
}

// AllowRate is Allow with a parsed Rate.
func (l *Limiter) AllowRate(ctx context.Context, key string, r ratelimit.Rate) error {
	return l.allow(ctx, l.bind(key, r, ""))
}

// Check is Allow that reports a refusal as a Result; err is only for a
// malformed rate, ctx or shutdown. A FailClosed refusal is a Result with
// Reason ReasonBackendUnavailable (the cause goes to EventBackendError).
func (l *Limiter) Check(ctx context.Context, key, rate string) (ratelimit.Result, error) {
	return l.check(ctx, l.parse(key, rate))
}

// CheckRate is Check with a parsed Rate.
func (l *Limiter) CheckRate(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Result, error) {
	return l.check(ctx, l.bind(key, r, ""))
}

func (l *Limiter) check(ctx context.Context, b bound) (ratelimit.Result, error) {
	if b.err != nil {
		return ratelimit.Result{}, b.err
	}
	d, err := l.decide(ctx, b, noWait)
	return d.res, err
}

func (l *Limiter) allow(ctx context.Context, b bound) error {
	if b.err != nil {
		return b.err
	}
	d, err := l.decide(ctx, b, noWait)
	if err != nil || d.res.Allowed {
		return err
	}
	return l.refusal(d)
}

// refusal is the error of a refused decision.
func (l *Limiter) refusal(d decision) error {
	rej := &messages.RejectedError{Err: ErrRateLimited, Pattern: Kind, Name: l.name, Reason: d.res.Reason, RetryAfter: d.res.RetryAfter}
	if d.cause != nil {
		return fmt.Errorf("%w: %w", rej, d.cause)
	}
	return rej
}

// decision is one answer of decide.
type decision struct {
	res ratelimit.Result
	// cause is the Redis error behind a decision of the fail mode.
	cause error
	// wait, after, before: a GCRA reservation granted res.Allowed with
	// a wait (0: at once); after and before are the key's TAT after and
	// before it, for gcraCancel ("" without Redis).
	wait          time.Duration
	after, before string
	// spare is how many more permits the script took for the local cache.
	spare int64
}

// noWait is decide's maxWait for a decision now, not a reservation.
const noWait = -1

// decide takes one decision for b, counts it and publishes its event.
// maxWait >= 0 (GCRA only) makes it a reservation: granted if the permit
// comes within maxWait, and then d.wait says when; a refusal for a permit
// further away than maxWait has Reason ratelimit.ReasonDeadline. err is
// only for ctx, shutdown or a reply of the wrong shape.
func (l *Limiter) decide(ctx context.Context, b bound, maxWait time.Duration) (decision, error) {
	if l.eng.Stopped() {
		return decision{}, messages.ErrStopped
	}
	if err := ctx.Err(); err != nil {
		return decision{}, err // the caller gave up; Redis is not to blame
	}
	if l.cfg.LocalBatch > 1 && maxWait == noWait && l.cache.take(b.base, l.clock.Now()) {
		return l.count(b, decision{res: ratelimit.Result{Allowed: true}}), nil
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	if err := l.acquire(ctx); err != nil {
		if errors.Is(err, errBusy) {
			return l.count(b, decision{res: ratelimit.Result{Reason: ReasonBusy}}), nil
		}
		return decision{}, err
	}
	sent, sentAt := time.Since(l.born), l.clock.Now()
	d, err := l.run(ctx, b, maxWait)
	<-l.slots
	if err == nil {
		l.lastAnswer.Store(int64(time.Since(l.born)))
		if !d.res.Allowed && maxWait >= 0 {
			d.res.Reason = ratelimit.ReasonDeadline
		}
		if d.spare > 0 { // used within LocalHold of their grant, which came after sentAt
			now := l.clock.Now()
			if t := l.cache.put(b.base, d.spare, now, sentAt.Add(l.cfg.LocalHold), d.after); t != nil {
				l.clock.AfterFunc(t.until.Sub(now), func() { l.returnUnused(b, t) })
			}
		}
		return l.count(b, d), nil
	}
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		return decision{}, ctx.Err() // the caller gave up; Redis is not to blame
	case errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrPoolExhausted):
		// others share the client's pool: not a Redis failure
		return l.count(b, decision{res: ratelimit.Result{Reason: ReasonBusy}}), nil
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		if l.lastAnswer.Load() > int64(sent) {
			// Redis answered another decision while this one waited: it is
			// up, and this one waited in this process (for the client's
			// pool, or for a CPU). Local overload: refuse.
			return l.count(b, decision{res: ratelimit.Result{Reason: ReasonBusy}}), nil
		}
		deadline, _ := ctx.Deadline()
		err = fmt.Errorf("timeout: no answer from redis within %v: %w", deadline.Sub(start).Round(time.Millisecond), err)
	}
	l.backendErrors.Add(1)
	l.publishBackendError(b.key, err)
	if l.cfg.FailMode == FailOpen {
		l.failedOpen.Add(1)
		return l.count(b, decision{res: ratelimit.Result{Allowed: true}, cause: err}), nil
	}
	return l.count(b, decision{res: ratelimit.Result{Reason: ReasonBackendUnavailable}, cause: err}), nil
}

// count counts d and publishes its event. A reservation that must wait is
// counted by Wait when its time comes.
func (l *Limiter) count(b bound, d decision) decision {
	switch d.res.Reason {
	case "":
		if d.wait > 0 {
			return d
		}
		l.accepted.Add(1)
		l.publish(eventstream.EventRateLimitPassed, b, 0)
		return d
	case ratelimit.ReasonExceeded:
		l.exceeded.Add(1)
	case ratelimit.ReasonDeadline:
		l.deadline.Add(1)
	case ReasonBusy:
		l.busy.Add(1)
	case ReasonBackendUnavailable:
		l.unavailable.Add(1)
	}
	l.publish(eventstream.EventRateLimitExceeded, b, d.res.RetryAfter)
	return d
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errBusy is acquire's answer when no slot came free in time.
var errBusy = errors.New("busy")

// acquire takes a slot of MaxInFlight, waiting for at most half the time
// left before ctx's deadline; errBusy if none came free.
func (l *Limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	deadline, _ := ctx.Deadline() // ctx carries Config.Timeout
	wait := time.NewTimer(time.Until(deadline) / 2)
	defer wait.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-l.done:
		return messages.ErrStopped
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err()
		}
	case <-wait.C:
	}
	return errBusy
}

// run runs the algorithm's script for b (see decide for maxWait).
func (l *Limiter) run(ctx context.Context, b bound, maxWait time.Duration) (decision, error) {
	var at int64 // 0: the server's TIME
	if l.cfg.Now != nil {
		at = l.cfg.Now().UnixMicro()
	}
	var res any
	var err error
	grace := int64(1000) // ms a key outlives its last request's period
	if l.cfg.Now != nil {
		grace = 60_000 // Redis expires keys on its own clock, not on Now's
	}
	limit := b.r.Count
	if l.cfg.Algorithm == ratelimit.GCRA {
		q, r, tq, tr := gcraParams(limit, b.micros)
		maxMicros := min(max(int64(maxWait/time.Microsecond), 0), maxScriptWait)
		batch := 1
		if maxWait == noWait {
			batch = max(l.cfg.LocalBatch, 1)
		}
		res, err = gcra.Run(ctx, l.client, []string{b.base + ":gcra"}, at, limit, b.micros, q, r, tq, tr, grace, maxMicros, batch).Result()
	} else {
		ttl := (b.micros+999)/1000 + grace
		res, err = slidingWindow.Run(ctx, l.client, []string{b.base + ":log", b.base + ":seq"}, at, limit, b.micros, ttl).Result()
	}
	if err != nil {
		return decision{}, err
	}
	reply, ok := res.([]any)
	if !ok || (len(reply) != 2 && len(reply) != 4) {
		return decision{}, fmt.Errorf("redis ratelimit: unexpected script reply %v", res)
	}
	granted, _ := reply[0].(int64)
	micros, _ := reply[1].(int64)
	wait := time.Duration(min(micros, math.MaxInt64/int64(time.Microsecond))) * time.Microsecond
	if granted < 1 {
		return decision{res: ratelimit.Result{Reason: ratelimit.ReasonExceeded, RetryAfter: wait}}, nil
	}
	d := decision{res: ratelimit.Result{Allowed: true}, wait: wait, spare: granted - 1}
	if len(reply) == 4 {
		d.after, _ = reply[2].(string)
		d.before, _ = reply[3].(string)
	}
	return d, nil
}

// returnUnused ends batch t of b's permits (its hold ended) and gives its
// unused permits back to Redis, as many as are still ahead of the server's
// time (gcraReturn), so that other processes can have them. Those it
// cannot give back, or all of them if Redis does not answer within
// Config.Timeout, are lost: never admitted twice.
func (l *Limiter) returnUnused(b bound, t *tokens) {
	m := min(l.cache.end(b.base, t), t.granted)
	if m == 0 {
		return
	}
	var at int64 // 0: the server's TIME
	if l.cfg.Now != nil {
		at = l.cfg.Now().UnixMicro()
	}
	q, r, _, _ := gcraParams(b.r.Count, b.micros)
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.Timeout)
	defer cancel()
	if n, err := gcraReturn.Run(ctx, l.client, []string{b.base + ":gcra"}, at, b.r.Count, q, r, m, t.after).Int64(); err == nil {
		l.returned.Add(uint64(n))
	}
}

// maxScriptWait is the longest reservation a script is asked for, in
// microseconds: far beyond any deadline, and exact in a Lua double.
const maxScriptWait = 1 << 52

// gcraParams splits GCRA's emission interval micros/n into q + r/n
// microseconds and its tolerance micros - micros/n into tq + tr/n, with
// 0 <= r, tr < n, so the script adds and compares them exactly.
func gcraParams(n, micros int64) (q, r, tq, tr int64) {
	q, r = micros/n, micros%n
	if r == 0 {
		return q, 0, micros - q, 0
	}
	return q, r, micros - q - 1, n - r
}

// Stats returns the limiter's counters. It never blocks; once the engine
// has stopped it returns them with messages.ErrStopped.
func (l *Limiter) Stats(context.Context) (Stats, error) {
	by := map[string]uint64{
		ratelimit.ReasonExceeded: l.exceeded.Load(), ratelimit.ReasonDeadline: l.deadline.Load(),
		ReasonBusy: l.busy.Load(), ReasonBackendUnavailable: l.unavailable.Load(),
	}
	st := Stats{Name: l.name, Algorithm: l.cfg.Algorithm, Accepted: l.accepted.Load(), RejectedBy: make(map[string]uint64, len(by)),
		Cancelled: l.cancelled.Load(), BackendErrors: l.backendErrors.Load(), FailedOpen: l.failedOpen.Load(),
		Returned: l.returned.Load()}
	for reason, n := range by {
		if n > 0 {
			st.RejectedBy[reason] = n
			st.Rejected += n
		}
	}
	if l.eng.Stopped() {
		return st, messages.ErrStopped
	}
	return st, nil
}

func (l *Limiter) publish(t eventstream.Type, b bound, wait time.Duration) {
	if l.eng == nil || !l.eng.Events().HasSubscribers() {
		return
	}
	label := b.label
	if label == "" {
		label = b.r.String()
	}
	l.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: l.name, Fields: eventstream.Fields{
		Key: b.key, Limit: label, Max: b.r.Count, Delay: wait,
	}})
}

// publishBackendError announces a Redis failure at most once a second.
func (l *Limiter) publishBackendError(key string, err error) {
	if l.eng == nil {
		return
	}
	now := l.eng.Clock().Now().UnixNano()
	last := l.lastErrorEvent.Load()
	if last != 0 && now-last < int64(time.Second) {
		return
	}
	if !l.lastErrorEvent.CompareAndSwap(last, now) {
		return
	}
	l.eng.Publish(eventstream.Event{Type: eventstream.EventBackendError, Pattern: Kind, Name: l.name,
		Fields: eventstream.Fields{Key: key, Err: err.Error(), Count: int64(l.backendErrors.Load())}})
}
