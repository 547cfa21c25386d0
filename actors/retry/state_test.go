package retry

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

var (
	errX     = errors.New("x")
	errSlow  = errors.New("slow")
	errFatal = errors.New("fatal")
)

// nextCall is one call of next in a step table: the attempt number, its error
// (nil for a rejected result), the time, and the decision wanted.
type nextCall struct {
	attempt int
	err     error
	now     time.Time
	want    decision
}

// TestNext drives state.next through whole calls at exact times.
func TestNext(t *testing.T) {
	exp := Backoff{MaxAttempts: 4, InitialDelay: time.Second, MaxDelay: 5 * time.Second}
	half := func() float64 { return 0.5 }
	for _, tc := range []struct {
		name   string
		cfg    Config
		end    time.Time // zero: no deadline
		script []nextCall
	}{
		{
			name: "exponential, capped at MaxDelay, then attempts",
			cfg:  Config{Backoff: exp, JitterKind: NoJitter},
			script: []nextCall{
				{1, errX, at(0), decision{step: stepRetry, delay: time.Second, max: 4}},
				{2, errX, at(time.Second), decision{step: stepRetry, delay: 2 * time.Second, max: 4}},
				{3, errX, at(3 * time.Second), decision{step: stepRetry, delay: 4 * time.Second, max: 4}},
				{4, errX, at(7 * time.Second), decision{step: stepExhausted, reason: ReasonAttempts, max: 4}},
			},
		},
		{
			name: "MaxDelay caps the fourth wait",
			cfg:  Config{Backoff: Backoff{MaxAttempts: 5, InitialDelay: time.Second, MaxDelay: 5 * time.Second}, JitterKind: NoJitter},
			script: []nextCall{
				{1, errX, at(0), decision{step: stepRetry, delay: time.Second, max: 5}},
				{2, errX, at(0), decision{step: stepRetry, delay: 2 * time.Second, max: 5}},
				{3, errX, at(0), decision{step: stepRetry, delay: 4 * time.Second, max: 5}},
				{4, errX, at(0), decision{step: stepRetry, delay: 5 * time.Second, max: 5}},
			},
		},
		{
			name:   "AbortOn returns the error at once",
			cfg:    Config{Backoff: exp, JitterKind: NoJitter, AbortOn: func(err error) bool { return err == errFatal }},
			script: []nextCall{{1, errFatal, at(0), decision{step: stepReturn}}},
		},
		{
			name:   "RetryOn refuses",
			cfg:    Config{Backoff: exp, JitterKind: NoJitter, RetryOn: func(err error) bool { return err != errFatal }},
			script: []nextCall{{1, errFatal, at(0), decision{step: stepReturn}}},
		},
		{
			name: "a rejected result takes the default schedule; AbortOn does not see it",
			cfg:  Config{Backoff: exp, JitterKind: NoJitter, AbortOn: func(error) bool { return true }},
			script: []nextCall{
				{1, nil, at(0), decision{step: stepRetry, delay: time.Second, max: 4}},
			},
		},
		{
			name: "a PerError schedule counts its own attempts, even against RetryOn",
			cfg: Config{Backoff: exp, JitterKind: NoJitter, RetryOn: func(error) bool { return false },
				PerError: []ErrorStrategy{{Match: func(err error) bool { return err == errSlow },
					Backoff: Backoff{MaxAttempts: 2, InitialDelay: 10 * time.Second, MaxDelay: time.Minute, Strategy: Constant}}}},
			script: []nextCall{
				{1, errSlow, at(0), decision{step: stepRetry, delay: 10 * time.Second, max: 2}},
				{2, nil, at(10 * time.Second), decision{step: stepRetry, delay: time.Second, max: 4}},
				{3, errSlow, at(11 * time.Second), decision{step: stepExhausted, reason: ReasonAttempts, max: 2}},
			},
		},
		{
			name: "a refusal's RetryAfter lengthens the wait, up to MaxDelay",
			cfg:  Config{Backoff: exp, JitterKind: NoJitter, RetryOn: func(error) bool { return true }},
			script: []nextCall{
				{1, &messages.RejectedError{Err: messages.ErrRateLimited, RetryAfter: 3 * time.Second}, at(0), decision{step: stepRetry, delay: 3 * time.Second, max: 4}},
				{2, &messages.RejectedError{Err: messages.ErrRateLimited, RetryAfter: time.Hour}, at(3 * time.Second), decision{step: stepRetry, delay: 5 * time.Second, max: 4}},
			},
		},
		{
			name: "MaxDuration: a wait may end exactly at it, not past it",
			cfg:  Config{Backoff: Backoff{MaxAttempts: 10, InitialDelay: time.Second, Strategy: Constant}, JitterKind: NoJitter, MaxDuration: 3 * time.Second},
			script: []nextCall{
				{1, errX, at(time.Second), decision{step: stepRetry, delay: time.Second, max: 10}},
				{2, errX, at(2 * time.Second), decision{step: stepRetry, delay: time.Second, max: 10}},
				{3, errX, at(2*time.Second + 1), decision{step: stepExhausted, reason: ReasonMaxDuration, delay: time.Second, max: 10}},
			},
		},
		{
			name: "deadline: no wait may end at or past it",
			cfg:  Config{Backoff: Backoff{MaxAttempts: 10, InitialDelay: time.Second, Strategy: Constant}, JitterKind: NoJitter},
			end:  at(3 * time.Second),
			script: []nextCall{
				{1, errX, at(2*time.Second - 1), decision{step: stepRetry, delay: time.Second, max: 10}},
				{2, errX, at(2 * time.Second), decision{step: stepExhausted, reason: ReasonDeadline, delay: time.Second, max: 10}},
			},
		},
		{
			name: "decorrelated jitter grows from the previous wait",
			cfg:  Config{Backoff: Backoff{MaxAttempts: 4, InitialDelay: time.Second, MaxDelay: time.Minute}, JitterKind: Decorrelated, Rand: half},
			script: []nextCall{
				{1, errX, at(0), decision{step: stepRetry, delay: 2 * time.Second, max: 4}},         // 1 + 0.5×(3−1)
				{2, errX, at(0), decision{step: stepRetry, delay: 3500 * time.Millisecond, max: 4}}, // 1 + 0.5×(6−1)
			},
		},
		{
			name: "proportional jitter at its extremes",
			cfg:  Config{Backoff: exp, Jitter: 0.5, Rand: func() float64 { return 0 }},
			script: []nextCall{
				{1, errX, at(0), decision{step: stepRetry, delay: 500 * time.Millisecond, max: 4}},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg.withDefaults()
			if err := cfg.validate(); err != nil {
				t.Fatal(err)
			}
			var s state
			s.init(&cfg, t0, tc.end, !tc.end.IsZero())
			for _, c := range tc.script {
				if got := s.next(c.attempt, c.err, c.now); got != c.want {
					t.Fatalf("next(%d, %v, t0+%v): got %+v, want %+v", c.attempt, c.err, c.now.Sub(t0), got, c.want)
				}
			}
		})
	}
}

// More schedules than maxInline keep their own counts too.
func TestNextManySchedules(t *testing.T) {
	errs := make([]error, maxInline+2)
	cfg := Config{Backoff: Backoff{MaxAttempts: 2}, JitterKind: NoJitter}
	for i := range errs {
		e := errors.New("e")
		errs[i] = e
		cfg.PerError = append(cfg.PerError, ErrorStrategy{Match: func(err error) bool { return err == e },
			Backoff: Backoff{MaxAttempts: 2, InitialDelay: time.Duration(i+1) * time.Second, Strategy: Constant}})
	}
	cfg = cfg.withDefaults()
	var s state
	s.init(&cfg, t0, time.Time{}, false)
	for i, e := range errs {
		if got := s.next(i+1, e, t0); got.step != stepRetry || got.delay != time.Duration(i+1)*time.Second {
			t.Fatalf("schedule %d, first failure: got %+v, want a retry after %v", i, got, time.Duration(i+1)*time.Second)
		}
	}
	for i, e := range errs {
		if got := s.next(len(errs)+i+1, e, t0); got.step != stepExhausted || got.reason != ReasonAttempts {
			t.Fatalf("schedule %d, second failure: got %+v, want exhausted by attempts", i, got)
		}
	}
}

// FuzzNext drives state.next with a random valid Config and a random run
// of failures at random times. Every decision keeps the contract: a retry
// waits within [0, MaxDelay of its schedule] and ends before the deadline
// and within MaxDuration; a schedule gives up on attempts exactly at its
// MaxAttempts-th failure; an error AbortOn matches, or that RetryOn
// refuses, comes back; nothing else does.
func FuzzNext(f *testing.F) {
	f.Add(3, int64(time.Second), int64(time.Minute), 2.0, uint8(0), uint8(0), int64(0), int64(0), uint8(0), []byte{0, 1, 2, 3, 4, 5})
	f.Add(10, int64(time.Millisecond), int64(time.Second), 1.5, uint8(4), uint8(1), int64(5*time.Second), int64(3*time.Second), uint8(3), []byte{9, 9, 9, 9, 9, 200, 1})
	f.Add(1, int64(0), int64(0), 1.0, uint8(1), uint8(2), int64(1), int64(1), uint8(7), []byte{255})
	f.Fuzz(func(t *testing.T, attempts int, initial, maxDelay int64, mult float64, jitterKind, strategy uint8,
		maxDuration, end int64, draw uint8, script []byte) {
		cfg := Config{
			Backoff:    Backoff{MaxAttempts: attempts, InitialDelay: time.Duration(initial), MaxDelay: time.Duration(maxDelay), Multiplier: mult, Strategy: Strategy(strategy % 3)},
			JitterKind: JitterKind(jitterKind % 5), MaxDuration: time.Duration(maxDuration),
			AbortOn: func(err error) bool { return err == errFatal },
			RetryOn: func(err error) bool { return err != errX },
			PerError: []ErrorStrategy{{Match: func(err error) bool { return err == errSlow },
				Backoff: Backoff{MaxAttempts: 2, InitialDelay: 2 * time.Second, MaxDelay: 3 * time.Second}}},
			Rand: func() float64 { return float64(draw) / 256 },
		}
		cfg = cfg.withDefaults()
		if cfg.validate() != nil {
			return
		}
		hasEnd := end > 0
		var s state
		s.init(&cfg, t0, t0.Add(time.Duration(end)), hasEnd)
		now := t0
		fails := map[int]int{}
		for i, b := range script {
			if i >= 64 {
				break
			}
			var err error
			si := 0
			switch b % 5 {
			case 1:
				err = errors.New("other")
			case 2:
				err, si = errSlow, 1
			case 3:
				err = errFatal
			case 4:
				err = errX
			}
			now = now.Add(time.Duration(b) * time.Millisecond)
			d := s.next(i+1, err, now)
			if err == errFatal || err == errX {
				if d.step != stepReturn {
					t.Fatalf("error %v: got %+v, want it returned", err, d)
				}
				return
			}
			if d.step == stepReturn {
				t.Fatalf("error %v: returned, want it retried or exhausted", err)
			}
			b := &cfg.Backoff
			if si == 1 {
				b = &cfg.PerError[0].Backoff
			}
			fails[si]++
			if (fails[si] >= b.MaxAttempts) != (d.step == stepExhausted && d.reason == ReasonAttempts) {
				t.Fatalf("failure %d of schedule %d (MaxAttempts %d): got %+v", fails[si], si, b.MaxAttempts, d)
			}
			if d.step == stepExhausted {
				return
			}
			if d.delay < 0 || d.delay > b.MaxDelay {
				t.Fatalf("wait %v outside [0, %v]", d.delay, b.MaxDelay)
			}
			if hasEnd && !now.Add(d.delay).Before(s.end) {
				t.Fatalf("a wait of %v at t0+%v reaches the deadline t0+%v", d.delay, now.Sub(t0), s.end.Sub(t0))
			}
			if cfg.MaxDuration > 0 && now.Sub(t0)+d.delay > cfg.MaxDuration {
				t.Fatalf("a wait of %v at t0+%v ends past MaxDuration %v", d.delay, now.Sub(t0), cfg.MaxDuration)
			}
			now = now.Add(d.delay)
		}
	})
}
