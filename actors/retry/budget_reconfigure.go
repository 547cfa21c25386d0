package retry

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/reconf"
)

type reconfigureMsg struct{ cfg BudgetConfig }

func (m reconfigureMsg) apply(b *budgetBehavior, now time.Time) budgetReply {
	b.reconfigure(m.cfg, now)
	return budgetReply{}
}

// Config returns the budget's current configuration with its defaults
// filled in.
func (b *Budget) Config() BudgetConfig { return *b.cfg.Load() }

// Reconfigure replaces the budget's configuration while it runs; every
// field may change. cfg is normalised and checked in the caller exactly as
// NewBudget does (the same defaults, the same *messages.ConfigError). The
// budget's goroutine applies it between two other messages, keeping its
// counts: the calls and retries of the window stay (a new Window moves each
// slice of the old one to the slice of the new one that holds the latest
// moment it counted, and drops those older than the new Window), Accepted
// and Rejected go on, and retries above the new Limit are clamped to it,
// the oldest first, so that Stats shows Retries at most Limit. The next
// retry is judged against the new Limit, which Stats reports from then on.
//
// Once it is applied the engine's registry holds cfg (NewBudget with cfg
// returns this budget, with the old config it is a
// *supervisor.ConflictError) and a config_changed event names the changed
// fields; an identical config changes and publishes nothing. A restart
// after a panic keeps cfg. After the engine shut down it returns
// messages.ErrStopped; if ctx ends first it returns ctx.Err(), and cfg may
// have been applied all the same: Config says which.
func (b *Budget) Reconfigure(ctx context.Context, cfg BudgetConfig) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := b.actor.Ask(ctx, reconfigureMsg{cfg: cfg})
	return err
}

// reconfigure applies c in the budget's goroutine.
func (bb *budgetBehavior) reconfigure(c BudgetConfig, now time.Time) {
	b := bb.b
	prev := *b.cfg.Load()
	if reconf.Same(prev, c) {
		return
	}
	bb.s.reconfigure(c, now)
	b.cfg.Store(&c)
	reconf.Record(b.eng, BudgetKind, b.name, prev, c)
}

// reconfigure makes c the budget's config at now, keeping the counts of
// the window (see Budget.Reconfigure).
func (s *budgetState) reconfigure(c BudgetConfig, now time.Time) {
	s.advance(now)
	if w := int64(c.Window) / budgetBuckets; w != s.width {
		s.rebucket(w, now.UnixNano())
	}
	s.cfg = c
	if excess := s.sumRet - s.limit(); excess > 0 {
		s.sumRet -= excess
		for e := max(s.epoch-budgetBuckets+1, 0); e <= s.epoch && excess > 0; e++ { // the oldest first
			r := &s.retries[e%budgetBuckets]
			n := min(*r, excess)
			*r -= n
			excess -= n
		}
	}
}

// rebucket moves the window, advanced to now (ns), to slices width ns wide:
// each old slice's counts go to the new slice of the latest moment it
// counted, or out when that is before the new window.
func (s *budgetState) rebucket(width, now int64) {
	calls, retries := s.calls, s.retries
	oldEpoch, oldWidth := s.epoch, s.width
	s.calls, s.retries = [budgetBuckets]int64{}, [budgetBuckets]int64{}
	s.sumCalls, s.sumRet = 0, 0
	s.width, s.epoch = width, now/width
	for e := oldEpoch - budgetBuckets + 1; e <= oldEpoch; e++ {
		if e < 0 {
			continue
		}
		i := e % budgetBuckets
		ne := min((e+1)*oldWidth-1, now) / width
		if ne <= s.epoch-budgetBuckets {
			continue // older than the new window
		}
		j := ne % budgetBuckets
		s.calls[j] += calls[i]
		s.retries[j] += retries[i]
		s.sumCalls += calls[i]
		s.sumRet += retries[i]
	}
}
