package backpressure

import "context"

// maxWait, as an admit.Call's Wait, stands for the Config.MaxWait in force
// when the call finds the valve closed (AcquireWait refuses negative
// waits, so no caller passes it).
const maxWait = -1

// Reconfigure applies cfg to the running gate. cfg takes the defaults and
// bounds of New (a *messages.ConfigError names the field out of them; the
// water marks default from the new MaxInFlight); every field can change
// while it runs. The gate's actor applies it between two messages and
// keeps its state: the items pending, the waiters, the counts, and whether
// backpressure is on, which the new marks then decide.
//
//   - A higher HighWaterMark (or a lower LowWaterMark, or MaxInFlight)
//     takes effect at once: if backpressure turns off, waiters are
//     admitted, oldest first, as in any release. A lower HighWaterMark at
//     or below the items pending turns backpressure on: the items pending
//     finish and nobody is admitted until the count falls to the low mark.
//   - A shorter MaxWaiting turns the waiters beyond it away, the youngest
//     first, with a *messages.RejectedError of ReasonReconfigured
//     (errors.Is ErrBackpressure); the others keep their places.
//   - MaxWait applies to calls that start waiting after Reconfigure
//     returns.
//
// When it returns nil, every call that starts afterwards sees the new
// config, the registry holds it (New with it returns this gate, New with
// the old one is a *supervisor.ConflictError) and a config_changed event
// names the fields that changed (and backpressure_on or backpressure_off
// if the flag moved). A config equal to the current one (after defaults)
// changes nothing and publishes nothing. After Shutdown it returns
// messages.ErrStopped. If ctx had ended before the call it returns
// ctx.Err() and applies nothing; if ctx ends while the call waits it
// returns ctx.Err(), and the change may have been applied or not.
//
// A call that was under way while Reconfigure lowered HighWaterMark may
// still be admitted under the old mark: while a change is under way the
// items pending are bounded by the larger of the two marks, and the next
// call the actor decides turns backpressure on. A restart of the actor
// after a panic keeps the config in force (it lives in the handle).
func (g *Gate) Reconfigure(ctx context.Context, cfg Config) error {
	full, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	return g.h.Reconfigure(ctx, full, full.MaxWaiting, func() {
		if !g.closed { // the state's count is the truth until Finish reopens
			g.st.pending = g.shut()
			g.closed = true
		}
		g.setHigh(full.HighWaterMark)
		g.publish(g.st.reconfigure(full))
	})
}

// reconfigure makes c's bounds the state's and applies the hysteresis to
// the items pending with them.
func (s *state) reconfigure(c Config) change {
	s.max, s.high, s.low = c.MaxInFlight, c.HighWaterMark, c.LowWaterMark
	return s.settle()
}
