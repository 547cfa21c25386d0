package redis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// ErrRateLimited is the sentinel every refusal of a Limiter unwraps to.
var ErrRateLimited = messages.ErrRateLimited

// Reasons of a Limiter's refusals (messages.RejectedError.Reason). Only
// ReasonRateLimited means the key is over its limit; the others mean the
// limiter could not decide, and an HTTP server answers them 503, not 429.
const (
	// ReasonRateLimited: the key used up its limit; RetryAfter says when
	// the next request would pass.
	ReasonRateLimited = "rate_limited"
	// ReasonBackendUnavailable: Redis did not answer in time or failed
	// (the error also wraps the cause: connection refused, i/o timeout, …)
	// and the fail mode is FailClosed.
	ReasonBackendUnavailable = messages.ReasonBackendUnavailable
	// ReasonBusy: local overload, not a Redis failure. Config.MaxInFlight
	// decisions were waiting on Redis and no slot came free within half the
	// caller's time; or the decision timed out while Redis answered other
	// decisions of this Limiter meanwhile (it waited in this process).
	ReasonBusy = messages.ReasonBusy
)

// Limiter decides, against Redis, whether a request under a key may pass.
// It is safe for concurrent use. It holds no goroutine of its own; the
// client belongs to the caller, who closes it. Once its engine has begun
// Shutdown, every decision returns messages.ErrStopped.
type Limiter struct {
	eng    *engine.Engine
	done   <-chan struct{} // the engine's Done; nil without an engine
	name   string
	client goredis.UniversalClient
	cfg    Config
	slots  chan struct{} // a token per decision waiting on Redis

	allowed, rejected, backendErrors, failedOpen, busy atomic.Uint64
	lastErrorEvent                                     atomic.Int64 // unix nanos
	born                                               time.Time    // the origin of lastAnswer
	lastAnswer                                         atomic.Int64 // when Redis last answered a decision, in ns since born
}

// Stats counts a Limiter's decisions since it was made.
type Stats struct {
	// Allowed and Rejected count decisions, including those made without
	// Redis by the fail mode and the refusals for ReasonBusy.
	Allowed, Rejected uint64
	// BackendErrors counts decisions that could not reach Redis.
	BackendErrors uint64
	// FailedOpen counts requests admitted because Redis could not be reached.
	FailedOpen uint64
	// Busy counts refusals with ReasonBusy (also counted in Rejected).
	Busy uint64
}

// New returns a Limiter named name (events carry it) that keeps its state in
// client. eng supplies the event stream and the lifetime; it may be nil (no
// events, never stopped). client must end a command at its context's
// deadline (go-redis's ContextTimeoutEnabled, see Config.Timeout); New
// refuses one that cannot, and a bad cfg, with a *messages.ConfigError.
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
	l := &Limiter{eng: eng, name: name, client: client, cfg: cfg, slots: make(chan struct{}, cfg.MaxInFlight), born: time.Now()}
	if eng != nil {
		l.done = eng.Done()
	}
	return l, nil
}

// AllowRate is Allow with the limit written as a rate string of the
// in-process limiter's grammar ("100/minute", "5/s"; see
// ratelimit.ParseRate). A malformed rate is an error that quotes it: the
// limiter never fails open on bad input.
func (l *Limiter) AllowRate(ctx context.Context, key, rate string) error {
	r, err := ratelimit.ParseRate(rate)
	if err != nil {
		return err
	}
	if err := l.checkRate(r.Count, r.Period); err != nil {
		return messages.InvalidConfig(Kind, "rate", rate, err.(*messages.ConfigError).Rule)
	}
	return l.Allow(ctx, key, int(r.Count), r.Period)
}

// checkRate refuses a limit and period the algorithm cannot count exactly.
func (l *Limiter) checkRate(limit int64, period time.Duration) error {
	maxLimit := int64(MaxLimit)
	if l.cfg.Algorithm == SlidingWindow {
		maxLimit = MaxWindowLimit
	}
	switch {
	case limit < 1 || limit > maxLimit:
		return messages.InvalidConfig(Kind, "limit", limit, fmt.Sprintf("must be between 1 and %d", maxLimit))
	case period < MinPeriod || period > MaxPeriod || period%time.Microsecond != 0:
		return messages.InvalidConfig(Kind, "period", period, "must be a whole number of microseconds between "+MinPeriod.String()+" and "+MaxPeriod.String())
	}
	return nil
}

// Allow admits one request under key if fewer than limit were admitted in
// the last period (SlidingWindow), or if the key's GCRA schedule allows it.
// It returns nil, or a *messages.RejectedError wrapping ErrRateLimited whose
// Reason is ReasonRateLimited and whose RetryAfter is the exact wait.
// limit must be at least 1 (at most MaxWindowLimit for SlidingWindow,
// MaxLimit for GCRA) and period a whole number of microseconds between
// MinPeriod and MaxPeriod; anything else is a *messages.ConfigError. key may
// hold any bytes (see the package doc for how it is stored).
//
// Allow returns by the earlier of ctx's deadline and Config.Timeout. If
// Redis fails or does not answer by then, the fail mode decides (and the
// error of FailClosed has Reason ReasonBackendUnavailable); if ctx is
// cancelled first, Allow returns ctx.Err(). It refuses with ReasonBusy
// (local overload: no fail mode) if MaxInFlight decisions hold every slot
// for half that time, if the client's pool has no connection for it, or if
// it timed out while Redis answered other decisions of this Limiter. After
// the engine's Shutdown it returns messages.ErrStopped at once.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, period time.Duration) error {
	if l.eng.Stopped() {
		return messages.ErrStopped
	}
	if err := l.checkRate(int64(limit), period); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // the caller gave up; Redis is not to blame
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	if err := l.acquire(ctx); err != nil {
		return err
	}
	sent := time.Since(l.born)
	ok, wait, err := l.decide(ctx, key, limit, period)
	<-l.slots
	if err == nil {
		l.lastAnswer.Store(int64(time.Since(l.born)))
	}
	switch {
	case err == nil && ok:
		l.allowed.Add(1)
		l.publish(eventstream.EventRateLimitPassed, key, limit, period, 0)
		return nil
	case err == nil:
		l.rejected.Add(1)
		l.publish(eventstream.EventRateLimitExceeded, key, limit, period, wait)
		return &messages.RejectedError{Err: ErrRateLimited, Pattern: Kind, Name: l.name, Reason: ReasonRateLimited, RetryAfter: wait}
	case errors.Is(ctx.Err(), context.Canceled):
		return ctx.Err() // the caller gave up; Redis is not to blame
	case errors.Is(err, goredis.ErrPoolTimeout) || errors.Is(err, goredis.ErrPoolExhausted):
		return l.refuseBusy() // others share the client's pool: not a Redis failure
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		if l.lastAnswer.Load() > int64(sent) {
			// Redis answered another decision while this one waited: it is
			// up, and this one waited in this process (for the client's
			// pool, or for a CPU). Local overload: refuse.
			return l.refuseBusy()
		}
		deadline, _ := ctx.Deadline()
		err = fmt.Errorf("timeout: no answer from redis within %v: %w", deadline.Sub(start).Round(time.Millisecond), err)
	}
	return l.backendFailed(key, err)
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// acquire takes a slot of MaxInFlight, waiting for at most half the time
// left before ctx's deadline.
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
	return l.refuseBusy()
}

func (l *Limiter) refuseBusy() error {
	l.rejected.Add(1)
	l.busy.Add(1)
	return &messages.RejectedError{Err: ErrRateLimited, Pattern: Kind, Name: l.name, Reason: ReasonBusy}
}

// decide runs the algorithm's script for key.
func (l *Limiter) decide(ctx context.Context, key string, limit int, period time.Duration) (bool, time.Duration, error) {
	var now int64
	if l.cfg.Now != nil {
		now = l.cfg.Now().UnixMicro()
	}
	micros := int64(period / time.Microsecond)
	base := keyBase(l.cfg.Prefix, key, limit, micros)
	var res any
	var err error
	grace := int64(1000) // ms a key outlives its last request's period
	if l.cfg.Now != nil {
		grace = 60_000 // Redis expires keys on its own clock, not on Now's
	}
	if l.cfg.Algorithm == GCRA {
		q, r, tq, tr := gcraParams(int64(limit), micros)
		res, err = gcra.Run(ctx, l.client, []string{base + ":gcra"}, now, limit, micros, q, r, tq, tr, grace).Result()
	} else {
		ttl := (micros+999)/1000 + grace
		res, err = slidingWindow.Run(ctx, l.client, []string{base + ":log", base + ":seq"}, now, limit, micros, ttl).Result()
	}
	if err != nil {
		return false, 0, err
	}
	pair, ok := res.([]any)
	if !ok || len(pair) != 2 {
		return false, 0, fmt.Errorf("redis ratelimit: unexpected script reply %v", res)
	}
	allowed, _ := pair[0].(int64)
	wait, _ := pair[1].(int64)
	return allowed == 1, time.Duration(min(wait, math.MaxInt64/int64(time.Microsecond))) * time.Microsecond, nil
}

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

// backendFailed applies the fail mode to a decision Redis could not make.
func (l *Limiter) backendFailed(key string, err error) error {
	l.backendErrors.Add(1)
	l.publishBackendError(key, err)
	if l.cfg.FailMode == FailOpen {
		l.allowed.Add(1)
		l.failedOpen.Add(1)
		return nil
	}
	l.rejected.Add(1)
	return fmt.Errorf("%w: %w", &messages.RejectedError{Err: ErrRateLimited, Pattern: Kind, Name: l.name, Reason: ReasonBackendUnavailable}, err)
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() Stats {
	return Stats{Allowed: l.allowed.Load(), Rejected: l.rejected.Load(), BackendErrors: l.backendErrors.Load(),
		FailedOpen: l.failedOpen.Load(), Busy: l.busy.Load()}
}

func (l *Limiter) publish(t eventstream.Type, key string, limit int, period time.Duration, wait time.Duration) {
	if l.eng == nil || !l.eng.Events().HasSubscribers() {
		return
	}
	l.eng.Publish(eventstream.Event{Type: t, Pattern: Kind, Name: l.name, Fields: eventstream.Fields{
		Key: key, Limit: strconv.Itoa(limit) + "/" + period.String(), Max: int64(limit), Delay: wait,
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
