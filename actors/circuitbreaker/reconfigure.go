package circuitbreaker

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/reconf"
	"github.com/bulwark-go/bulwark/messages"
)

// Reconfigure replaces the breaker's configuration while it runs. cfg is
// normalised and checked in the caller exactly as New does (the same
// defaults, the same *messages.ConfigError); MailboxSize cannot change
// while running (a *messages.ConfigError naming it). The actor applies cfg
// between two other messages, keeping what still means something:
//
//   - the state and mode, the generation, the time the circuit opened, the
//     counters, the current runs of failures and successes;
//   - the window's contents when its shape is unchanged (WindowType, and
//     WindowSize or WindowDuration and WindowBuckets) and a rate trigger
//     was and is set; any other window change starts an empty window;
//   - OPEN: a new RecoveryTimeout counts from the time the circuit opened
//     (already past: the circuit goes HALF_OPEN at once);
//   - HALF_OPEN: trials already leased finish, with their lease; a new
//     HalfOpenMaxCalls and HalfOpenLease apply to the trials not yet
//     leased (fewer slots than trials in flight admit none until enough
//     have reported).
//
// The new thresholds are judged at once: in CLOSED, a current run of
// failures or a window that the new config would have opened on opens the
// circuit (with the trigger's reason); in HALF_OPEN, trials already
// reported that meet the new SuccessThreshold close it, or the new
// OpenAtSlowCallRate opens it. The state it leads to is published, and
// then a config_changed event naming the changed fields, before
// Reconfigure returns: a call that starts after it sees the new
// configuration. The engine's registry then holds cfg, so New with cfg
// returns this breaker and New with the old config is a
// *supervisor.ConflictError. An identical config changes nothing and
// publishes nothing. A restart of the actor after a panic keeps cfg.
//
// Calls already admitted report under the configuration in force when
// they report (Timeout and IsFailure: the one in force when Execute
// began). After the engine shut down Reconfigure returns
// messages.ErrStopped; if ctx ends first it returns ctx.Err(), and cfg
// may have been applied all the same (the actor had taken it): Config
// says which.
func (b *Breaker) Reconfigure(ctx context.Context, cfg Config) error {
	full := cfg.withDefaults()
	if err := full.validate(); err != nil {
		return err
	}
	if cur := b.cfg.Load(); full.MailboxSize != cur.MailboxSize {
		return messages.InvalidConfig(Kind, "MailboxSize", full.MailboxSize, "cannot change while running")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	_, err := b.actor.Ask(ctx, request{op: opReconfigure, cfg: &full})
	return err
}

// reconfigure applies *c, which nobody writes from then on, in the
// actor's goroutine: the successes the counters took so far are judged
// under the old config, the machine takes c, the handle's view of the
// config and the snapshot follow, and the registry and the event stream
// learn of it last.
func (o *owner) reconfigure(c *Config, now time.Time) {
	b, m := o.b, o.m
	prev := *m.cfg
	if reconf.Same(prev, *c) {
		return
	}
	o.collect(now)
	// The counters move to a new phase: no success counted under the old
	// config is collected under the new one.
	m.succeed(b.cells.retag(), o.epoch, now)
	m.reconfigure(c, now)
	b.useConfig(c)
	o.publish()
	o.after(now)
	o.arm(now)
	reconf.Record(b.eng, Kind, b.name, prev, *c)
}

// setConfig makes c the configuration callers read.
func (b *Breaker) setConfig(c Config) { b.useConfig(&c) }

// useConfig makes *c, which nobody writes, the configuration callers
// read.
func (b *Breaker) useConfig(c *Config) {
	b.measure.Store(c.SlowCallDuration > 0)
	b.plain.Store(c.SlowCallDuration == 0 && !(c.WindowType == TimeBased && c.rates()))
	b.cfg.Store(c)
}

// sameWindow says whether a window kept under a and one under b have the
// same shape, so that b's may keep a's contents.
func sameWindow(a, b Config) bool {
	if a.rates() != b.rates() || a.WindowType != b.WindowType {
		return false
	}
	if a.WindowType == TimeBased {
		return a.WindowDuration == b.WindowDuration && a.WindowBuckets == b.WindowBuckets
	}
	return a.WindowSize == b.WindowSize
}

// reconfigure makes c the machine's config at now, keeping its state (see
// Breaker.Reconfigure), and judges the new thresholds against it.
func (m *machine) reconfigure(c *Config, now time.Time) {
	prev := m.cfg
	m.cfg = c
	if !sameWindow(*prev, *c) {
		m.win = newWindow(*c, now)
	}
	if c.HalfOpenMaxCalls != prev.HalfOpenMaxCalls {
		m.resizeLeases(c.HalfOpenMaxCalls)
	}
	if m.state == Open {
		m.openUntil = m.openedAt.Add(c.RecoveryTimeout)
	}
	if m.mode != Normal {
		return
	}
	switch m.state {
	case Open:
		m.expire(now)
	case Closed:
		m.judge(m.consecFail, now)
	case HalfOpen:
		switch {
		case m.trials == 0:
		case c.OpenAtSlowCallRate > 0 && float64(m.trialsSlow) >= c.OpenAtSlowCallRate*float64(m.trials):
			m.setState(Open, ReasonSlowCallRate, now)
		case m.consecSucc >= c.SuccessThreshold:
			m.setState(Closed, ReasonSuccessThreshold, now)
		}
	}
}

// resizeLeases gives the trial leases room for n trials, keeping those in
// flight (more of them than n: as many slots as they hold, of which
// acquire grants none until fewer than n are busy).
func (m *machine) resizeLeases(n int) {
	if m.busy == 0 {
		m.leases = nil // acquire allocates n when it needs them
		return
	}
	leases := make([]lease, max(n, m.busy))
	k := 0
	for _, l := range m.leases {
		if l.busy {
			leases[k] = l
			k++
		}
	}
	m.leases = leases
}
