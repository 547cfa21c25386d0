package redis

import (
	"context"
	"fmt"
	"math"
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

// ErrRateLimited is the sentinel a rejected decision unwraps to.
var ErrRateLimited = messages.ErrRateLimited

// Limiter decides, against Redis, whether a request under a key may pass.
// It is safe for concurrent use. It holds no goroutine of its own; the
// client belongs to the caller, who closes it.
type Limiter struct {
	eng    *engine.Engine
	name   string
	client goredis.UniversalClient
	cfg    Config

	allowed, rejected, backendErrors, failedOpen atomic.Uint64
	lastErrorEvent                               atomic.Int64 // unix nanos
}

// Stats counts a Limiter's decisions since it was made.
type Stats struct {
	// Allowed and Rejected count decisions, including those made without
	// Redis by the fail mode.
	Allowed, Rejected uint64
	// BackendErrors counts decisions that could not reach Redis.
	BackendErrors uint64
	// FailedOpen counts requests admitted because Redis could not be reached.
	FailedOpen uint64
}

// New returns a Limiter named name (events carry it) that keeps its state in
// client. eng supplies the event stream; it may be nil (no events).
func New(eng *engine.Engine, name string, client goredis.UniversalClient, cfg Config) (*Limiter, error) {
	if strings.TrimSpace(name) == "" {
		return nil, messages.InvalidConfig(Kind, "name", fmt.Sprintf("%q", name), "must not be empty")
	}
	if client == nil {
		return nil, messages.InvalidConfig(Kind, "client", "nil", "must be a go-redis UniversalClient")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Limiter{eng: eng, name: name, client: client, cfg: cfg}, nil
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
	if r.Count > math.MaxInt32 {
		return messages.InvalidConfig(Kind, "rate", rate, "count must fit in 32 bits")
	}
	return l.Allow(ctx, key, int(r.Count), r.Period)
}

// Allow admits one request under key if fewer than limit were admitted in
// the last period (SlidingWindow), or if the key's GCRA schedule allows it.
// It returns nil, or a *messages.RejectedError wrapping ErrRateLimited whose
// RetryAfter is the exact wait. limit must be at least 1 and period at least
// a microsecond.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, period time.Duration) error {
	if limit < 1 {
		return messages.InvalidConfig(Kind, "limit", limit, "must be at least 1")
	}
	if period < time.Microsecond {
		return messages.InvalidConfig(Kind, "period", period, "must be at least 1µs")
	}
	ok, wait, err := l.decide(ctx, key, limit, period)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the caller gave up; Redis is not to blame
		}
		return l.backendFailed(key, err)
	}
	if ok {
		l.allowed.Add(1)
		l.publish(eventstream.EventRateLimitPassed, key, limit, period, 0)
		return nil
	}
	l.rejected.Add(1)
	l.publish(eventstream.EventRateLimitExceeded, key, limit, period, wait)
	return &messages.RejectedError{Err: ErrRateLimited, Pattern: Kind, Name: l.name, Reason: "rate_limited", RetryAfter: wait}
}

func (l *Limiter) decide(ctx context.Context, key string, limit int, period time.Duration) (bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	var now int64
	if l.cfg.Now != nil {
		now = l.cfg.Now().UnixMicro()
	}
	base := l.cfg.Prefix + ":{" + key + "}:" + strconv.Itoa(limit) + "/" + strconv.FormatInt(period.Microseconds(), 10)
	args := []any{now, limit, period.Microseconds()}
	var res any
	var err error
	if l.cfg.Algorithm == GCRA {
		res, err = gcra.Run(ctx, l.client, []string{base + ":gcra"}, args...).Result()
	} else {
		res, err = slidingWindow.Run(ctx, l.client, []string{base + ":log", base + ":seq"}, args...).Result()
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
	return allowed == 1, time.Duration(wait) * time.Microsecond, nil
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
	return fmt.Errorf("%w: %w", &messages.RejectedError{Err: ErrRateLimited, Pattern: Kind, Name: l.name, Reason: "backend_error"}, err)
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() Stats {
	return Stats{Allowed: l.allowed.Load(), Rejected: l.rejected.Load(), BackendErrors: l.backendErrors.Load(), FailedOpen: l.failedOpen.Load()}
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
