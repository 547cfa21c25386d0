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
