package adaptive

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/reconf"
	"github.com/bulwark-go/bulwark/messages"
)

// ReasonReconfigured: Reconfigure's new MinLimit or MaxLimit moved the
// limit into its range (in the Reason of a limit_changed event); it is
// messages.ReasonReconfigured.
const ReasonReconfigured = messages.ReasonReconfigured

// Reconfigure applies cfg to the running limiter, between the harvests of
// its actor. cfg is defaulted and validated as New does it (the same
// *messages.ConfigError); Algorithm cannot change while running (Vegas
// stamps permits with their start, AIMD does not): a different one is a
// *messages.ConfigError naming it. Everything else may change:
//
//   - The current limit is kept, clamped into the new [MinLimit, MaxLimit]
//     (InitialLimit is only where a new limiter starts); if it moved, a
//     limit_changed event with ReasonReconfigured follows the
//     config_changed one. Calls in flight finish: a limit below the
//     in-flight count admits nobody until enough of them have completed.
//   - Increase, DecreaseFactor, IncreaseAtSuccessRate,
//     DecreaseAtFailureRate and BaselineWindows apply from the next window
//     decided; Vegas's baseline latency is kept.
//   - The window under way is kept when Window is unchanged; otherwise a
//     new window starts (the completions of the old one stay in Stats'
//     totals).
//
// Reports of calls released before Reconfigure was called are counted
// under the old config first. When it returns nil, Acquire enforces the
// new limit, the engine's registry holds cfg (a New of this name compares
// against it from then on) and an eventstream.EventConfigChanged event
// named the fields that changed. A cfg equal to the current one changes
// nothing and publishes nothing. The config lives in the Limiter, not in
// the actor's behaviour, so a restart after a panic keeps it. If ctx ends
// first Reconfigure returns ctx.Err(), and cfg may have been applied (the
// actor applies a request it has taken); after Shutdown it returns
// messages.ErrStopped.
func (l *Limiter) Reconfigure(ctx context.Context, cfg Config) error {
	full, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	if (full.Algorithm == Vegas) != l.latency {
		return messages.InvalidConfig(Kind, "Algorithm", cfg.Algorithm, "cannot change while running")
	}
	if err := l.actor.Err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err = l.actor.Ask(ctx, request{cfg: &full})
	return err
}

// reconfigure applies cfg in the actor: the reports so far are harvested
// under the old config, then the state machine takes cfg, Acquire's limit
// and the stripes' nudge periods are republished, and cfg is recorded.
func (l *Limiter) reconfigure(cfg Config) {
	l.harvest()
	prev := *l.st.cfg
	if cfg == prev {
		return
	}
	c, moved := l.st.reconfigure(cfg)
	l.reports.setWindow(cfg)
	if moved {
		l.counts().limit.Store(int64(c.new))
	}
	reconf.Record(l.eng, Kind, l.name, prev, cfg)
	if moved {
		l.announce(c)
	}
}

// reconfigure makes cfg (defaulted, the same Algorithm) the machine's
// config: the limit is clamped into [cfg.MinLimit, cfg.MaxLimit] (ok true
// and the change when that moved it), the window under way is kept if
// cfg.Window is unchanged and started over otherwise, and Vegas's baseline
// is kept.
func (s *state) reconfigure(cfg Config) (c change, ok bool) {
	if cfg.Window != s.cfg.Window {
		s.successes, s.failures, s.rttSum, s.rttCount, s.peak, s.decided = 0, 0, 0, 0, 0, false
	}
	s.cfg = &cfg
	old := s.limit
	s.limit = min(max(s.limit, cfg.MinLimit), cfg.MaxLimit)
	if s.limit == old {
		return change{}, false
	}
	return change{old: old, new: s.limit, reason: ReasonReconfigured}, true
}
