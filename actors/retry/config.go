package retry

import (
	"cmp"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of retry in events and errors.
const Kind = "retry"

// Strategy is how the delay grows with the attempt number.
type Strategy uint8

// Strategies.
const (
	// Exponential (the default) waits InitialDelay × Multiplier^(n-1).
	Exponential Strategy = iota
	// Linear waits InitialDelay + Step × (n-1).
	Linear
	// Constant waits InitialDelay.
	Constant
)

// JitterKind is how a delay is randomised.
type JitterKind uint8

// Jitter kinds.
const (
	// Proportional (the default) adds a uniform value in
	// [-Jitter × d, +Jitter × d].
	Proportional JitterKind = iota
	// NoJitter waits exactly the computed delay.
	NoJitter
	// Full waits a uniform value in [0, d].
	Full
	// Equal waits d/2 plus a uniform value in [0, d/2].
	Equal
	// Decorrelated waits a uniform value in [InitialDelay, 3 × previous
	// delay] (the first time, previous is InitialDelay).
	Decorrelated
)

// Defaults.
const (
	DefaultMaxAttempts  = 3
	DefaultInitialDelay = time.Second
	DefaultMaxDelay     = 60 * time.Second
	DefaultMultiplier   = 2.0
	DefaultJitter       = 0.1
)

// Bounds of a Config: Validate refuses values past them.
const (
	// LargestMaxAttempts is the largest Backoff.MaxAttempts.
	LargestMaxAttempts = 10_000
	// LargestMaxDelay is the largest InitialDelay, Step and MaxDelay (one
	// wait).
	LargestMaxDelay = 24 * time.Hour
	// LargestMultiplier is the largest Backoff.Multiplier.
	LargestMultiplier = 1000.0
	// LargestMaxDuration is the largest Config.MaxDuration (30 days).
	LargestMaxDuration = 30 * 24 * time.Hour
	// LongestPerError is the most per-error strategies a Config may hold.
	LongestPerError = 64
)

// Backoff is the delay schedule of a strategy. Zero fields take the
// defaults above (Step defaults to InitialDelay).
type Backoff struct {
	// MaxAttempts counts the first call; 1 means no retry. Default 3, at
	// most LargestMaxAttempts.
	MaxAttempts int
	// InitialDelay is the first wait; default 1 s, at most LargestMaxDelay.
	InitialDelay time.Duration
	// MaxDelay caps every wait, jitter included; default 60 s (or
	// InitialDelay if longer), at least InitialDelay, at most
	// LargestMaxDelay.
	MaxDelay time.Duration
	// Multiplier is the Exponential growth factor, in [1, LargestMultiplier];
	// default 2.
	Multiplier float64
	// Step is Linear's increment; default InitialDelay, at most
	// LargestMaxDelay.
	Step time.Duration
	// Strategy is Exponential (default), Linear or Constant.
	Strategy Strategy
}

// ErrorStrategy is a per-error backoff: Match decides which errors use it.
type ErrorStrategy struct {
	// Match selects the errors this strategy applies to (required).
	Match func(error) bool
	// Backoff is its schedule; zero fields take the defaults.
	Backoff Backoff
}

// Attempt describes a point of a retry loop to the callbacks.
type Attempt struct {
	// Attempt is the number of the attempt that just ran (1-based).
	Attempt int
	// MaxAttempts is the bound of the strategy in force.
	MaxAttempts int
	// Delay is the wait before the next attempt (OnRetry only).
	Delay time.Duration
	// Err is the attempt's error (nil for a rejected result).
	Err error
}

// Config configures a Retry. Zero fields take the documented defaults.
type Config struct {
	// Backoff is the default schedule (3 attempts, 1 s, ×2, max 60 s).
	Backoff
	// JitterKind is Proportional (default), NoJitter, Full, Equal or
	// Decorrelated.
	JitterKind JitterKind
	// Jitter is Proportional's fraction in [0, 1]; 0 means 0.1 (use
	// NoJitter for none).
	Jitter float64
	// RetryOn says which errors are retried; nil means DefaultRetryOn.
	RetryOn func(error) bool
	// AbortOn stops at once on the errors it matches (returned unchanged),
	// even if RetryOn would retry them.
	AbortOn func(error) bool
	// MaxDuration bounds the whole loop: no retry starts whose wait would
	// end later than MaxDuration after the first call. 0 means no bound;
	// at most LargestMaxDuration.
	MaxDuration time.Duration
	// PerError are per-error schedules (at most LongestPerError); the first
	// whose Match matches an error wins, and each counts its own attempts.
	PerError []ErrorStrategy
	// Budget, when set, must grant every retry (see NewBudget).
	Budget *Budget
	// OnRetry is called before each wait.
	OnRetry func(Attempt)
	// OnSuccessAfterRetry is called when an attempt after the first
	// succeeds.
	OnSuccessAfterRetry func(Attempt)
	// OnExhausted is called once when the loop gives up.
	OnExhausted func(Attempt)
	// Rand returns uniform values in [0, 1) for jitter; nil means
	// math/rand/v2's Float64. Inject one in tests.
	Rand func() float64
}

// DefaultRetryOn is the default retry predicate: true for every error
// except context.Canceled and context.DeadlineExceeded and the rejections
// of Bulwark's patterns that mean "do not retry now" (ErrCircuitOpen,
// ErrBulkheadFull, ErrShed, ErrBackpressure, ErrLimitExceeded,
// ErrRateLimited, ErrStopped). A messages.ErrTimeout from a timeout policy
// inside the retry is retried, even though it also wraps
// context.DeadlineExceeded.
func DefaultRetryOn(err error) bool { return messages.WorthRepeating(err) }

// backoffDefaults are the values of a Backoff's zero fields but MaxDelay
// and Step, whose defaults depend on InitialDelay.
var backoffDefaults = Backoff{MaxAttempts: DefaultMaxAttempts, InitialDelay: DefaultInitialDelay, Multiplier: DefaultMultiplier}

func (b Backoff) withDefaults() Backoff {
	b = conf.Fill(b, &backoffDefaults)
	b.MaxDelay = cmp.Or(b.MaxDelay, max(DefaultMaxDelay, b.InitialDelay))
	b.Step = cmp.Or(b.Step, b.InitialDelay)
	return b
}

// Validate reports the first field of b (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (b Backoff) Validate() error { return b.withDefaults().validate("") }

func (b Backoff) validate(prefix string) error {
	return conf.Check(Kind, conf.In(prefix+"MaxAttempts", b.MaxAttempts, 1, LargestMaxAttempts),
		conf.In(prefix+"InitialDelay", b.InitialDelay, 0, LargestMaxDelay), conf.In(prefix+"MaxDelay", b.MaxDelay, b.InitialDelay, LargestMaxDelay),
		conf.In(prefix+"Multiplier", b.Multiplier, 1, LargestMultiplier), conf.In(prefix+"Step", b.Step, 0, LargestMaxDelay),
		conf.If(prefix+"Strategy", b.Strategy, b.Strategy <= Constant, "must be Exponential, Linear or Constant"))
}

// defaults are the values of a Config's zero fields but Backoff's, which
// Backoff fills itself.
var defaults = Config{Jitter: DefaultJitter, RetryOn: DefaultRetryOn, Rand: randFloat}

func (c Config) withDefaults() Config {
	c.Backoff = c.Backoff.withDefaults()
	c = conf.Fill(c, &defaults)
	ps := make([]ErrorStrategy, len(c.PerError))
	for i, s := range c.PerError {
		s.Backoff = s.Backoff.withDefaults()
		ps[i] = s
	}
	c.PerError = ps // a copy: the user's slice is never modified
	return c
}

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error { return c.withDefaults().validate() }

func (c Config) validate() error {
	if err := c.Backoff.validate(""); err != nil {
		return err
	}
	if err := conf.Check(Kind, conf.If("JitterKind", c.JitterKind, c.JitterKind <= Decorrelated, "must be Proportional, NoJitter, Full, Equal or Decorrelated"),
		conf.In("Jitter", c.Jitter, 0, 1), conf.In("MaxDuration", c.MaxDuration, 0, LargestMaxDuration),
		conf.In("PerError", len(c.PerError), 0, LongestPerError)); err != nil {
		return err
	}
	for i, s := range c.PerError {
		if s.Match == nil {
			return messages.InvalidConfig(Kind, "PerError.Match", i, "must not be nil")
		}
		if err := s.Backoff.validate("PerError.Backoff."); err != nil {
			return err
		}
	}
	return nil
}
