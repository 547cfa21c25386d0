package circuitbreaker

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at returns t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// newTestMachine builds a machine from cfg (defaults filled in, validated).
func newTestMachine(t *testing.T, cfg Config) *machine {
	t.Helper()
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return newMachine(cfg, t0, 1, testTag)
}

// step is one action on the machine at a time, with what must hold after.
type step struct {
	at        time.Duration
	do        string // "ok", "fail", "ignore" (acquire+release), "acquire", "tick", "release-ok"/"release-fail" (last acquired)
	wantState State
	wantAdmit *bool // for acquire-like steps
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

func run(t *testing.T, m *machine, steps []step) {
	t.Helper()
	var held []uint64
	for i, s := range steps {
		now := at(s.at)
		var d decision
		switch s.do {
		case "ok", "fail", "ignore":
			d = m.acquire(now)
			if d.ok {
				o := map[string]messages.Outcome{"ok": messages.Success, "fail": messages.Failure, "ignore": messages.Ignored}[s.do]
				m.release(report{token: d.token, outcome: o, latency: 0}, now)
			}
		case "acquire":
			d = m.acquire(now)
			if d.ok {
				held = append(held, d.token)
			}
		case "release-ok", "release-fail":
			o := messages.Success
			if s.do == "release-fail" {
				o = messages.Failure
			}
			tok := held[0]
			held = held[1:]
			m.release(report{token: tok, outcome: o, latency: 0}, now)
		case "tick":
			m.expire(now)
		default:
			t.Fatalf("step %d: unknown %q", i, s.do)
		}
		if s.wantAdmit != nil && d.ok != *s.wantAdmit {
			t.Fatalf("step %d (%s at %v): admitted %v, want %v", i, s.do, s.at, d.ok, *s.wantAdmit)
		}
		if m.state != s.wantState {
			t.Fatalf("step %d (%s at %v): state %v, want %v", i, s.do, s.at, m.state, s.wantState)
		}
	}
}

// Scenario 1: defaults.
func TestDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.FailureThreshold != 5 || c.RecoveryTimeout != 60*time.Second || c.SuccessThreshold != 2 ||
		c.HalfOpenMaxCalls != 1 || c.Timeout != 0 || c.HalfOpenLease != 60*time.Second {
		t.Fatalf("got %+v, want the original's defaults", c)
	}
	m := newTestMachine(t, Config{})
	if s := m.stats(t0); s.State != Closed || s.Total != 0 {
		t.Fatalf("got state %v total %d, want closed 0", s.State, s.Total)
	}
	if got := (Config{Timeout: time.Second}).withDefaults().HalfOpenLease; got != time.Second {
		t.Fatalf("lease with Timeout: got %v, want 1s", got)
	}
}

func TestStateMachineScenarios(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		cfg   Config
		steps []step
		check func(t *testing.T, m *machine)
	}{
		{ // scenario 2
			name: "threshold 3 opens after three failures",
			cfg:  Config{FailureThreshold: 3},
			steps: []step{
				{0, "fail", Closed, yes()}, {0, "fail", Closed, yes()}, {0, "fail", Open, yes()},
				{ms, "ok", Open, no()},
			},
			check: func(t *testing.T, m *machine) {
				if m.consecFail != 3 {
					t.Fatalf("consecutive failures: got %d, want 3", m.consecFail)
				}
			},
		},
		{ // scenario 3, with the exact boundary
			name: "recovery timeout leads to half-open",
			cfg:  Config{FailureThreshold: 2, RecoveryTimeout: 100 * ms},
			steps: []step{
				{0, "fail", Closed, yes()}, {10 * ms, "fail", Open, yes()},
				{109 * ms, "acquire", Open, no()},
				{110 * ms, "acquire", HalfOpen, yes()},
			},
		},
		{ // scenario 4
			name: "half-open closes after success threshold",
			cfg:  Config{FailureThreshold: 1, RecoveryTimeout: 100 * ms, SuccessThreshold: 2},
			steps: []step{
				{0, "fail", Open, yes()}, {100 * ms, "ok", HalfOpen, yes()}, {101 * ms, "ok", Closed, yes()},
			},
			check: func(t *testing.T, m *machine) {
				if m.consecSucc != 2 {
					t.Fatalf("consecutive successes: got %d, want 2", m.consecSucc)
				}
			},
		},
		{ // scenario 5
			name: "half-open failure reopens",
			cfg:  Config{FailureThreshold: 1, RecoveryTimeout: 100 * ms},
			steps: []step{
				{0, "fail", Open, yes()}, {100 * ms, "fail", Open, yes()},
				{199 * ms, "ok", Open, no()}, {200 * ms, "ok", HalfOpen, yes()},
			},
		},
		{ // scenario 9
			name:  "metrics after two successes and one failure",
			cfg:   Config{},
			steps: []step{{0, "ok", Closed, yes()}, {0, "ok", Closed, yes()}, {0, "fail", Closed, yes()}},
			check: func(t *testing.T, m *machine) {
				s := m.stats(t0)
				if s.Total != 3 || s.Succeeded != 2 || s.Failed != 1 || s.FailureRate != 1.0/3 {
					t.Fatalf("got %+v, want total 3, ok 2, failed 1, rate 1/3", s)
				}
			},
		},
		{ // scenario 11: a concurrency cap, counted from 0 on entering half-open
			name: "half-open max calls 2",
			cfg:  Config{FailureThreshold: 1, RecoveryTimeout: 100 * ms, HalfOpenMaxCalls: 2, SuccessThreshold: 3},
			steps: []step{
				{0, "fail", Open, yes()},
				{100 * ms, "acquire", HalfOpen, yes()}, {100 * ms, "acquire", HalfOpen, yes()},
				{100 * ms, "acquire", HalfOpen, no()},
				{101 * ms, "release-ok", HalfOpen, nil}, {101 * ms, "acquire", HalfOpen, yes()},
			},
		},
		{ // original [confirmed]: max calls 1, success threshold 3, sequential trials close
			name: "sequential trials up to the success threshold",
			cfg:  Config{FailureThreshold: 1, RecoveryTimeout: 100 * ms, SuccessThreshold: 3},
			steps: []step{
				{0, "fail", Open, yes()},
				{100 * ms, "ok", HalfOpen, yes()}, {100 * ms, "ok", HalfOpen, yes()}, {100 * ms, "ok", Closed, yes()},
			},
		},
		{ // ◆ neutral outcomes neither count nor reset the run
			name: "ignored errors are neutral",
			cfg:  Config{FailureThreshold: 2},
			steps: []step{
				{0, "fail", Closed, yes()}, {0, "ignore", Closed, yes()}, {0, "ignore", Closed, yes()},
				{0, "fail", Open, yes()},
			},
			check: func(t *testing.T, m *machine) {
				s := m.stats(t0)
				if s.Ignored != 2 || s.Total != 2 {
					t.Fatalf("got ignored %d total %d, want 2 and 2", s.Ignored, s.Total)
				}
			},
		},
		{ // ◆ a late failure does not extend the open period
			name: "late failure while open",
			cfg:  Config{FailureThreshold: 1, RecoveryTimeout: 100 * ms},
			steps: []step{
				{0, "acquire", Closed, yes()},
				{10 * ms, "fail", Open, yes()},
				{90 * ms, "release-fail", Open, nil}, // admitted before opening
				{110 * ms, "acquire", HalfOpen, yes()},
			},
			check: func(t *testing.T, m *machine) {
				if s := m.stats(at(110 * ms)); s.Failed != 2 || s.LastStateChange != at(110*ms) {
					t.Fatalf("got failed %d, changed %v; want 2 and t0+110ms", s.Failed, s.LastStateChange)
				}
			},
		},
		{ // ◆ a hung trial loses its lease and counts as a failure
			name: "hung probe lease",
			cfg:  Config{FailureThreshold: 1, RecoveryTimeout: 100 * ms, HalfOpenLease: 50 * ms},
			steps: []step{
				{0, "fail", Open, yes()},
				{100 * ms, "acquire", HalfOpen, yes()},
				{149 * ms, "ok", HalfOpen, no()},
				{150 * ms, "tick", Open, nil},
				{250 * ms, "ok", HalfOpen, yes()},
				{300 * ms, "release-ok", HalfOpen, nil}, // the hung one, at last: not counted twice
			},
			check: func(t *testing.T, m *machine) {
				s := m.stats(at(300 * ms))
				if s.Failed != 2 || s.Succeeded != 1 || s.Rejected != 1 {
					t.Fatalf("got failed %d ok %d rejected %d, want 2 1 1", s.Failed, s.Succeeded, s.Rejected)
				}
			},
		},
		{
			name: "failure rate over a count window waits for minimum calls",
			cfg:  Config{OpenAtFailureRate: 0.5, WindowSize: 4, MinimumCalls: 4},
			steps: []step{
				{0, "fail", Closed, yes()}, {0, "fail", Closed, yes()}, {0, "fail", Closed, yes()},
				{0, "ok", Open, yes()}, // 3 of 4 failed
			},
		},
		{
			name: "count window slides",
			cfg:  Config{OpenAtFailureRate: 0.75, WindowSize: 4, MinimumCalls: 4},
			steps: []step{
				{0, "fail", Closed, yes()}, {0, "ok", Closed, yes()}, {0, "ok", Closed, yes()},
				{0, "fail", Closed, yes()}, // 2/4
				{0, "fail", Closed, yes()}, // first fail slides out: ok ok fail fail = 2/4
				{0, "fail", Open, yes()},   // ok fail fail fail = 3/4
			},
		},
		{
			name: "time window forgets old buckets",
			cfg: Config{OpenAtFailureRate: 0.6, WindowType: TimeBased, WindowDuration: 10 * time.Second,
				WindowBuckets: 10, MinimumCalls: 3},
			steps: []step{
				{0, "fail", Closed, yes()}, {time.Second, "fail", Closed, yes()},
				{12 * time.Second, "ok", Closed, yes()}, // both failures have left
				{12 * time.Second, "ok", Closed, yes()},
				{13 * time.Second, "fail", Closed, yes()}, // 1/3
				{14 * time.Second, "fail", Closed, yes()}, // 2/4 = 50%
				{15 * time.Second, "fail", Open, yes()},   // 3/5 = 60%
			},
		},
		{
			name: "consecutive trigger off when only a rate is set",
			cfg:  Config{OpenAtFailureRate: 1, WindowSize: 10, MinimumCalls: 10},
			steps: []step{
				{0, "fail", Closed, yes()}, {0, "fail", Closed, yes()}, {0, "fail", Closed, yes()},
				{0, "fail", Closed, yes()}, {0, "fail", Closed, yes()}, {0, "fail", Closed, yes()},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t, tc.cfg)
			run(t, m, tc.steps)
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestSlowCallRate(t *testing.T) {
	m := newTestMachine(t, Config{OpenAtSlowCallRate: 0.5, SlowCallDuration: time.Second, WindowSize: 4, MinimumCalls: 4})
	lat := []time.Duration{2 * time.Second, 10 * time.Millisecond, time.Second, 0}
	for i, l := range lat {
		d := m.acquire(t0)
		if !d.ok {
			t.Fatalf("call %d: rejected, want admitted", i)
		}
		m.release(report{token: d.token, outcome: messages.Success, latency: l}, t0)
	}
	if m.state != Open || m.trans[len(m.trans)-1].reason != ReasonSlowCallRate {
		t.Fatalf("got %v (%v), want open by slow call rate", m.state, m.trans)
	}
	if s := m.stats(t0); s.Slow != 2 || s.Succeeded != 4 {
		t.Fatalf("got slow %d ok %d, want 2 and 4", s.Slow, s.Succeeded)
	}
}

func TestRejectionCarriesRemainingOpenTime(t *testing.T) {
	m := newTestMachine(t, Config{FailureThreshold: 1, RecoveryTimeout: 10 * time.Second})
	d := m.acquire(t0)
	m.release(report{token: d.token, outcome: messages.Failure, latency: 0}, at(2*time.Second))
	tests := []struct {
		at   time.Duration
		want time.Duration
	}{{2 * time.Second, 10 * time.Second}, {5 * time.Second, 7 * time.Second}}
	for _, tc := range tests {
		if d := m.acquire(at(tc.at)); d.ok || d.retry != tc.want || d.reason != refusedOpen {
			t.Fatalf("at %v: got %+v, want rejected open with retry %v", tc.at, d, tc.want)
		}
	}
	if s := m.stats(at(5 * time.Second)); s.OpenRemaining != 7*time.Second || s.Rejected != 2 || s.Total != 3 {
		t.Fatalf("got %+v, want 7s remaining, 2 rejected, total 3", s)
	}
	// Half-open and full: the retry is the time until the trial's lease ends.
	tr := m.acquire(at(12 * time.Second))
	if !tr.ok {
		t.Fatalf("trial: rejected, want admitted")
	}
	if d := m.acquire(at(13 * time.Second)); d.ok || d.reason != refusedFull || d.retry != 9*time.Second {
		t.Fatalf("got %+v, want half_open_full retry 9s (lease = recovery timeout)", d)
	}
}

func TestModesAndReset(t *testing.T) {
	m := newTestMachine(t, Config{FailureThreshold: 1})
	held := m.acquire(t0)
	m.setMode(ForcedOpen, t0)
	if d := m.acquire(t0.Add(time.Hour)); d.ok || d.reason != refusedForced {
		t.Fatalf("forced open: got %+v, want rejected forced_open", d)
	}
	m.release(report{token: held.token, outcome: messages.Failure, latency: 0}, t0) // stale: counted, no effect
	m.setMode(Disabled, t0)
	for i := 0; i < 10; i++ {
		d := m.acquire(t0)
		if !d.ok {
			t.Fatalf("disabled: rejected, want admitted")
		}
		m.release(report{token: d.token, outcome: messages.Failure, latency: 0}, t0)
	}
	if m.state != Closed {
		t.Fatalf("disabled: got %v, want closed", m.state)
	}
	m.setMode(Normal, t0)
	d := m.acquire(t0)
	m.release(report{token: d.token, outcome: messages.Failure, latency: 0}, t0)
	if m.state != Open {
		t.Fatalf("normal: got %v, want open", m.state)
	}
	s := m.stats(t0)
	if s.Failed != 12 || s.Rejected != 1 || s.Total != 13 {
		t.Fatalf("got %+v, want failed 12 rejected 1 total 13", s)
	}
	gen := m.gen
	m.reset(t0)
	if s := m.stats(t0); s.State != Closed || s.Mode != Normal || s.Total != 0 || s.Failed != 0 || m.gen != gen+1 {
		t.Fatalf("after reset got %+v, want closed, normal, zero", s)
	}
	if tr := m.trans[len(m.trans)-1]; !tr.reset || tr.from != Open || tr.to != Closed {
		t.Fatalf("got transition %+v, want reset open→closed", tr)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{FailureThreshold: -1}, "FailureThreshold"},
		{Config{SuccessThreshold: -2}, "SuccessThreshold"},
		{Config{RecoveryTimeout: -time.Second}, "RecoveryTimeout"},
		{Config{Timeout: -1}, "Timeout"},
		{Config{HalfOpenMaxCalls: 70000}, "HalfOpenMaxCalls"},
		{Config{HalfOpenLease: -1}, "HalfOpenLease"},
		{Config{OpenAtFailureRate: 1.01}, "OpenAtFailureRate"},
		{Config{OpenAtSlowCallRate: -1}, "OpenAtSlowCallRate"},
		{Config{OpenAtSlowCallRate: 0.5}, "SlowCallDuration"},
		{Config{WindowType: 7}, "WindowType"},
		{Config{WindowSize: -5}, "WindowSize"},
		{Config{WindowType: TimeBased, WindowDuration: -1}, "WindowDuration"},
		{Config{WindowBuckets: 5000}, "WindowBuckets"},
		{Config{WindowSize: 5, MinimumCalls: 6}, "MinimumCalls"},
		{Config{MailboxSize: -1}, "MailboxSize"},
		// Every size and number has a bound.
		{Config{MailboxSize: 1 << 34}, "MailboxSize"},
		{Config{FailureThreshold: LargestFailureThreshold + 1}, "FailureThreshold"},
		{Config{SuccessThreshold: LargestSuccessThreshold + 1}, "SuccessThreshold"},
		{Config{WindowSize: LargestWindowSize + 1}, "WindowSize"},
		{Config{WindowType: TimeBased, MinimumCalls: LargestMinimumCalls + 1}, "MinimumCalls"},
		{Config{RecoveryTimeout: LargestDuration + 1}, "RecoveryTimeout"},
		{Config{Timeout: LargestDuration + 1}, "Timeout"},
		{Config{HalfOpenLease: LargestDuration + 1}, "HalfOpenLease"},
		{Config{SlowCallDuration: LargestDuration + 1}, "SlowCallDuration"},
		{Config{WindowType: TimeBased, WindowDuration: LargestDuration + 1}, "WindowDuration"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		var ce *messages.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, messages.ErrInvalidConfig) {
			t.Errorf("%+v: got %v, want a ConfigError on %s", tc.cfg, err, tc.field)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero config: got %v, want valid", err)
	}
	if err := (Config{MailboxSize: LargestMailboxSize, WindowSize: LargestWindowSize, FailureThreshold: LargestFailureThreshold, RecoveryTimeout: LargestDuration}).Validate(); err != nil {
		t.Fatalf("config at the bounds: got %v, want valid", err)
	}
}

// Issue 16: a breaker nobody calls holds no window buffer, no trial
// leases, no runs of failures and no striped cells; each is allocated by
// the first call that needs it, and a time-based window's buckets first
// allocated late still keep the calls of their bucket.
func TestIdleHoldsNoBuffers(t *testing.T) {
	cfg := Config{OpenAtFailureRate: 0.5, WindowSize: LargestWindowSize, HalfOpenMaxCalls: LargestHalfOpenMaxCalls}.withDefaults()
	m := newMachine(cfg, t0, 1, testTag)
	if m.win.ring != nil || m.leases != nil || m.runs != nil {
		t.Fatalf("a new machine holds a ring of %d, %d leases, runs %v", len(m.win.ring), len(m.leases), m.runs != nil)
	}
	m.release(report{token: m.token(0), outcome: messages.Failure}, t0)
	if len(m.win.ring) != LargestWindowSize || m.runs == nil || m.leases != nil {
		t.Fatalf("after a failure: a ring of %d, runs %v, %d leases; want %d, true, 0", len(m.win.ring), m.runs != nil, len(m.leases), LargestWindowSize)
	}

	timed := Config{OpenAtFailureRate: 0.9, MinimumCalls: 1, WindowType: TimeBased, WindowDuration: 10 * time.Second, WindowBuckets: 10}.withDefaults()
	m = newMachine(timed, t0, 1, testTag)
	m.advance(t0.Add(25 * time.Second)) // no bucket yet
	if m.win.buckets != nil {
		t.Fatal("buckets allocated before the first call")
	}
	m.release(report{token: m.token(0), outcome: messages.Success, at: t0.Add(25 * time.Second)}, t0.Add(25*time.Second))
	m.release(report{token: m.token(0), outcome: messages.Failure, at: t0.Add(26 * time.Second)}, t0.Add(26*time.Second))
	if s := m.stats(t0.Add(26 * time.Second)); s.State != Closed || s.WindowCalls != 2 || s.WindowFailureRate != 0.5 {
		t.Fatalf("got %v, %d calls at a rate of %v; want closed, the success at 25 s and the failure at 26 s", s.State, s.WindowCalls, s.WindowFailureRate)
	}

	eng, _ := newFake(t)
	b := mustNew(t, eng, "idle", Config{})
	if b.cells.Cells() != nil {
		t.Fatal("a new breaker holds striped cells")
	}
	if err := b.Execute(context.Background(), okFn); err != nil {
		t.Fatal(err)
	}
	if b.cells.Cells() == nil || counted(b) != 1 {
		t.Fatalf("after the first call: cells %v, %d counted on them; want cells and 1", b.cells.Cells() != nil, counted(b))
	}
}
