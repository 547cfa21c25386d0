package circuitbreaker

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig gives random values to every field of a Config: Validate
// either refuses it with a *messages.ConfigError naming a field, or the
// state machine it builds stays within the config under a short random
// workload (trials in flight, window size, counts that add up, the open
// period).
func FuzzConfig(f *testing.F) {
	f.Add(5, 2, int64(time.Minute), int64(0), int64(0), 1, 0.0, 0.0, int64(0), uint8(0), 100, int64(time.Minute), 10, 10, 0, []byte{1, 1, 1, 1, 1, 4, 200, 2, 2, 3, 3})
	f.Add(0, 1, int64(time.Second), int64(time.Second), int64(time.Second), 3, 50.0, 50.0, int64(time.Millisecond), uint8(1), 0, int64(2*time.Second), 2, 1, 8, []byte{0, 1, 9, 17, 2, 12, 3, 4, 255, 2, 2, 2, 11, 19})
	f.Add(-1, 0, int64(-1), int64(-5), int64(0), 70000, 101.0, -1.0, int64(-1), uint8(9), -3, int64(-1), 5000, -1, 1<<34, []byte{})
	f.Add(1<<40, 1<<40, int64(1)<<62, int64(1)<<62, int64(1)<<62, 1<<20, 1e300, 1e-300, int64(1)<<62, uint8(1), 1<<30, int64(1)<<62, 1<<30, 1<<40, 1<<20, []byte{7})
	f.Fuzz(func(t *testing.T, failTh, succTh int, recovery, timeout, lease int64, hoMax int, frt, srt float64,
		slowDur int64, wtype uint8, wsize int, wdur int64, wbuckets, minCalls, mailbox int, ops []byte) {
		cfg := Config{
			FailureThreshold: failTh, SuccessThreshold: succTh, RecoveryTimeout: time.Duration(recovery),
			Timeout: time.Duration(timeout), HalfOpenMaxCalls: hoMax, HalfOpenLease: time.Duration(lease),
			OpenAtFailureRate: frt, OpenAtSlowCallRate: srt, SlowCallDuration: time.Duration(slowDur),
			WindowType: WindowType(wtype), WindowSize: wsize, WindowDuration: time.Duration(wdur),
			WindowBuckets: wbuckets, MinimumCalls: minCalls, MailboxSize: mailbox,
		}
		if err := cfg.Validate(); err != nil {
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || ce.Field == "" || !errors.Is(err, messages.ErrInvalidConfig) {
				t.Fatalf("%+v: got %v, want a ConfigError naming a field", cfg, err)
			}
			return
		}
		full := cfg.withDefaults()
		if full.HalfOpenMaxCalls > 64 || (full.WindowType == CountBased && full.WindowSize > 1<<12) {
			full.HalfOpenMaxCalls = min(full.HalfOpenMaxCalls, 64) // keep an exec short
			full.WindowSize = min(full.WindowSize, 1<<12)
			full.MinimumCalls = min(full.MinimumCalls, full.WindowSize)
		}
		workload(t, full, ops)
	})
}

// workload drives a machine of cfg with ops and checks it after each.
func workload(t *testing.T, cfg Config, ops []byte) {
	m := newMachine(cfg, t0, 1, testTag)
	now := t0
	type held struct {
		tok   uint64
		start time.Time
	}
	var hold []held
	step := max(cfg.RecoveryTimeout/8, cfg.SlowCallDuration, time.Nanosecond)
	for i, op := range ops {
		switch op % 5 {
		case 0, 1: // a call that ends at once
			if d := m.acquire(now); d.ok {
				o := messages.Success
				if op%5 == 1 {
					o = messages.Failure
				}
				m.release(report{token: d.token, outcome: o, seq: m.placed, at: now}, now)
			}
		case 2: // a call that goes on
			if d := m.acquire(now); d.ok && len(hold) < 16 {
				hold = append(hold, held{d.token, now})
			} else if d.ok {
				m.release(report{token: d.token, outcome: messages.Ignored}, now)
			}
		case 3: // one of them ends
			if len(hold) > 0 {
				h := hold[0]
				hold = hold[1:]
				o := messages.Outcome(op >> 3 % 3)
				m.release(report{token: h.tok, outcome: o, latency: now.Sub(h.start), seq: m.placed, at: now}, now)
			}
		case 4: // time passes; the timer fires
			now = now.Add(time.Duration(op>>3) * step)
			m.expire(now)
			m.advance(now)
		}
		check(t, m, cfg, i)
	}
}

func check(t *testing.T, m *machine, cfg Config, i int) {
	t.Helper()
	busy := 0
	for _, l := range m.leases {
		if l.busy {
			busy++
		}
	}
	w := m.win
	switch {
	case m.state > HalfOpen:
		t.Fatalf("op %d: state %v", i, m.state)
	case busy != m.busy || m.busy > cfg.HalfOpenMaxCalls || (m.busy > 0 && m.state != HalfOpen):
		t.Fatalf("op %d: %d trials in flight (%d leases), %v, want at most %d and only half-open", i, m.busy, busy, m.state, cfg.HalfOpenMaxCalls)
	case m.total != m.succeeded+m.failed+m.rejected:
		t.Fatalf("op %d: total %d != %d + %d + %d", i, m.total, m.succeeded, m.failed, m.rejected)
	case w.calls < 0 || w.fails < 0 || w.slows < 0 || w.fails > w.calls || w.slows > w.calls:
		t.Fatalf("op %d: window %d calls, %d failed, %d slow", i, w.calls, w.fails, w.slows)
	case !w.timed && w.calls > cfg.WindowSize:
		t.Fatalf("op %d: window %d calls > WindowSize %d", i, w.calls, cfg.WindowSize)
	case m.state == Open && m.mode == Normal && m.openUntil.Sub(m.openedAt) != cfg.RecoveryTimeout:
		t.Fatalf("op %d: open for %v, want %v", i, m.openUntil.Sub(m.openedAt), cfg.RecoveryTimeout)
	case m.consecFail < 0 || m.consecSucc < 0:
		t.Fatalf("op %d: runs %d / %d", i, m.consecFail, m.consecSucc)
	}
}

// FuzzCountWindowPlace checks a count-based window against a model that
// keeps every outcome in order: placing an outcome after the back-th
// newest success, or n successes at the end, leaves the window holding
// the same calls, failures and slow calls as the model's last N.
func FuzzCountWindowPlace(f *testing.F) {
	f.Add(uint8(4), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add(uint8(1), []byte{1, 1, 0, 9, 17, 33})
	f.Add(uint8(100), []byte{3, 3, 3, 3, 250, 129, 2, 66})
	f.Fuzz(func(t *testing.T, size uint8, ops []byte) {
		n := int(size%64) + 1
		w := newWindow(Config{WindowSize: n}, t0)
		var model []uint8
		for i, op := range ops {
			if op&1 == 0 { // op>>1 % 4 successes at the end
				k := uint64(op >> 1 % 4)
				w.recordSuccesses(k, 0)
				for ; k > 0; k-- {
					model = append(model, 0)
				}
			} else { // an outcome placed behind back successes
				m, back := op>>1&3, uint64(op>>3)
				w.place(m, back, t0)
				model = modelPlace(model, m, back)
			}
			calls, fails, slows := 0, 0, 0
			for _, m := range model[max(0, len(model)-n):] {
				calls++
				fails += int(m & markFail)
				slows += int(m & markSlow >> 1)
			}
			if w.calls != calls || w.fails != fails || w.slows != slows {
				t.Fatalf("op %d (%d): got %d/%d/%d, want %d/%d/%d (model %v)", i, op, w.calls, w.fails, w.slows, calls, fails, slows, model)
			}
		}
	})
}

// modelPlace inserts m into the full history right after the success that
// has back successes after it (nowhere when there are fewer).
func modelPlace(h []uint8, m uint8, back uint64) []uint8 {
	i := len(h)
	for passed := uint64(0); passed < back; i-- {
		if i == 0 {
			return h // older than all history: the window leaves it out too
		}
		if h[i-1]&markFail == 0 {
			passed++
		}
	}
	return append(h[:i], append([]uint8{m}, h[i:]...)...)
}
