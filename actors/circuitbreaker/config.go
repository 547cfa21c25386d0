package circuitbreaker

import (
	"time"

	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/messages"
)

// WindowType says how the failure-rate window is measured.
type WindowType uint8

const (
	// CountBased keeps the outcomes of the last WindowSize calls.
	CountBased WindowType = iota
	// TimeBased keeps the outcomes of the last WindowDuration, in
	// WindowBuckets buckets.
	TimeBased
)

// String returns "count" or "time".
func (w WindowType) String() string {
	switch w {
	case CountBased:
		return "count"
	case TimeBased:
		return "time"
	}
	return "window(?)"
}

// Defaults of a zero Config (the original's, plus the window's).
const (
	DefaultFailureThreshold = 5
	DefaultSuccessThreshold = 2
	DefaultRecoveryTimeout  = 60 * time.Second
	DefaultHalfOpenMaxCalls = 1
	DefaultWindowSize       = 100
	DefaultWindowDuration   = 60 * time.Second
	DefaultWindowBuckets    = 10
	DefaultMinimumCalls     = 10
	DefaultMailboxSize      = 4096
)

// Bounds of a Config: a value past one is a *messages.ConfigError.
const (
	// LargestFailureThreshold bounds FailureThreshold.
	LargestFailureThreshold = 1 << 30
	// LargestSuccessThreshold bounds SuccessThreshold.
	LargestSuccessThreshold = 1 << 30
	// LargestMinimumCalls bounds MinimumCalls.
	LargestMinimumCalls = 1 << 30
	// LargestHalfOpenMaxCalls bounds HalfOpenMaxCalls.
	LargestHalfOpenMaxCalls = 1<<16 - 1
	// LargestWindowSize bounds the count-based WindowSize.
	LargestWindowSize = 1 << 20
	// LargestWindowBuckets bounds WindowBuckets.
	LargestWindowBuckets = 1 << 12
	// LargestDuration bounds every duration of a Config (about 10 years).
	LargestDuration = 10 * 365 * 24 * time.Hour
	// LargestMailboxSize bounds MailboxSize (kernel.LargestMailboxSize).
	LargestMailboxSize = kernel.LargestMailboxSize
)

// Config configures a breaker. Its zero fields take the documented
// defaults; it is comparable, so the registry can tell the same
// configuration from a conflicting one (IsFailure compares by code pointer).
//
// The circuit opens on whichever trigger fires first: FailureThreshold
// consecutive failures, a failure rate of OpenAtFailureRate, or a
// slow-call rate of OpenAtSlowCallRate over the window (once it holds
// MinimumCalls calls). When neither rate threshold is set, a zero
// FailureThreshold means 5 (the original's breaker); when one is set, a zero
// FailureThreshold turns the consecutive trigger off.
type Config struct {
	// FailureThreshold is how many consecutive failures open the circuit
	// (at most LargestFailureThreshold).
	FailureThreshold int
	// SuccessThreshold is how many consecutive trial successes in HALF_OPEN
	// close it. Default 2, at most LargestSuccessThreshold.
	SuccessThreshold int
	// RecoveryTimeout is how long the circuit stays OPEN, measured from the
	// moment it opened, before trial calls are let through. Default 60 s.
	RecoveryTimeout time.Duration
	// Timeout is the per-call timeout Execute and Do put on the call's
	// context; 0 means none. A call that ends past it is a failure.
	Timeout time.Duration
	// HalfOpenMaxCalls caps the trial calls in flight in HALF_OPEN (a
	// concurrency cap, as the original's). Default 1, at most 65535.
	HalfOpenMaxCalls int
	// HalfOpenLease is how long a trial call may run without reporting
	// before its slot is reclaimed and the call counted as a failure.
	// Default: Timeout if set, else RecoveryTimeout.
	HalfOpenLease time.Duration

	// OpenAtFailureRate, a rate in (0, 1], opens the circuit when the
	// failure rate over the window reaches it. 0 turns it off.
	OpenAtFailureRate float64
	// OpenAtSlowCallRate, a rate in (0, 1], opens the circuit when the
	// rate of calls slower than SlowCallDuration reaches it. 0 turns it
	// off.
	OpenAtSlowCallRate float64
	// SlowCallDuration is the latency at or above which a call is slow.
	// Latency is measured (a clock read per call) only when it is set.
	SlowCallDuration time.Duration
	// WindowType selects a count-based (default) or time-based window.
	WindowType WindowType
	// WindowSize is the count-based window: the last N calls. Default 100,
	// at most LargestWindowSize.
	WindowSize int
	// WindowDuration is the time-based window. Default 60 s.
	WindowDuration time.Duration
	// WindowBuckets is how many buckets the time-based window has.
	// Default 10, at most LargestWindowBuckets.
	WindowBuckets int
	// MinimumCalls is how many calls the window must hold before a rate
	// counts. Default 10 (at most the count-based WindowSize, and at most
	// LargestMinimumCalls).
	MinimumCalls int

	// IsFailure says whether a call's non-nil error counts as a failure;
	// errors for which it returns false are neutral (neither success nor
	// failure). nil means messages.ClassifyError: context.Canceled (the
	// caller gave up) is neutral, every other error is a failure.
	IsFailure func(error) bool
	// MailboxSize is the actor's mailbox capacity. Default 4096, at most
	// LargestMailboxSize.
	MailboxSize int
}

func (c Config) rates() bool { return c.OpenAtFailureRate > 0 || c.OpenAtSlowCallRate > 0 }

// orDefault sets *v to d when *v is zero.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// withDefaults returns c with its zero fields set to the defaults.
func (c Config) withDefaults() Config {
	if !c.rates() {
		orDefault(&c.FailureThreshold, DefaultFailureThreshold)
	}
	orDefault(&c.SuccessThreshold, DefaultSuccessThreshold)
	orDefault(&c.RecoveryTimeout, DefaultRecoveryTimeout)
	orDefault(&c.HalfOpenMaxCalls, DefaultHalfOpenMaxCalls)
	lease := c.RecoveryTimeout
	if c.Timeout > 0 {
		lease = c.Timeout
	}
	orDefault(&c.HalfOpenLease, lease)
	orDefault(&c.WindowSize, DefaultWindowSize)
	orDefault(&c.WindowDuration, DefaultWindowDuration)
	orDefault(&c.WindowBuckets, DefaultWindowBuckets)
	minimum := DefaultMinimumCalls
	if c.WindowType == CountBased && c.WindowSize > 0 {
		minimum = min(minimum, c.WindowSize)
	}
	orDefault(&c.MinimumCalls, minimum)
	orDefault(&c.MailboxSize, DefaultMailboxSize)
	return c
}

// Validate reports whether c, with its zero fields set to the defaults, is
// a configuration New accepts: nil, or a *messages.ConfigError naming the
// first bad field and its value (it unwraps to messages.ErrInvalidConfig).
func (c Config) Validate() error { return c.withDefaults().validate() }

// validate checks a Config that withDefaults has filled in.
func (c Config) validate() error {
	bad := func(field string, v any, rule string) error {
		return messages.InvalidConfig(Kind, field, v, rule)
	}
	long := func(d time.Duration) bool { return d > LargestDuration }
	switch {
	case c.FailureThreshold < 0 || c.FailureThreshold > LargestFailureThreshold:
		return bad("FailureThreshold", c.FailureThreshold, "must be between 0 and 1073741824")
	case c.SuccessThreshold < 1 || c.SuccessThreshold > LargestSuccessThreshold:
		return bad("SuccessThreshold", c.SuccessThreshold, "must be between 1 and 1073741824")
	case c.RecoveryTimeout <= 0 || long(c.RecoveryTimeout):
		return bad("RecoveryTimeout", c.RecoveryTimeout, "must be positive and at most LargestDuration")
	case c.Timeout < 0 || long(c.Timeout):
		return bad("Timeout", c.Timeout, "must be between 0 (none) and LargestDuration")
	case c.HalfOpenMaxCalls < 1 || c.HalfOpenMaxCalls > LargestHalfOpenMaxCalls:
		return bad("HalfOpenMaxCalls", c.HalfOpenMaxCalls, "must be between 1 and 65535")
	case c.HalfOpenLease <= 0 || long(c.HalfOpenLease):
		return bad("HalfOpenLease", c.HalfOpenLease, "must be positive and at most LargestDuration")
	case !(c.OpenAtFailureRate >= 0 && c.OpenAtFailureRate <= 1):
		return bad("OpenAtFailureRate", c.OpenAtFailureRate, "must be a rate between 0 and 1")
	case !(c.OpenAtSlowCallRate >= 0 && c.OpenAtSlowCallRate <= 1):
		return bad("OpenAtSlowCallRate", c.OpenAtSlowCallRate, "must be a rate between 0 and 1")
	case c.SlowCallDuration < 0 || long(c.SlowCallDuration):
		return bad("SlowCallDuration", c.SlowCallDuration, "must be between 0 (off) and LargestDuration")
	case c.OpenAtSlowCallRate > 0 && c.SlowCallDuration == 0:
		return bad("SlowCallDuration", c.SlowCallDuration, "must be set when OpenAtSlowCallRate is")
	case c.WindowType != CountBased && c.WindowType != TimeBased:
		return bad("WindowType", int(c.WindowType), "must be CountBased or TimeBased")
	case c.WindowSize < 1 || c.WindowSize > LargestWindowSize:
		return bad("WindowSize", c.WindowSize, "must be between 1 and 1048576")
	case c.WindowDuration <= 0 || long(c.WindowDuration):
		return bad("WindowDuration", c.WindowDuration, "must be positive and at most LargestDuration")
	case c.WindowBuckets < 1 || c.WindowBuckets > LargestWindowBuckets:
		return bad("WindowBuckets", c.WindowBuckets, "must be between 1 and 4096")
	case c.WindowType == TimeBased && c.WindowDuration < time.Duration(c.WindowBuckets):
		return bad("WindowDuration", c.WindowDuration, "must be at least WindowBuckets nanoseconds")
	case c.MinimumCalls < 1 || c.MinimumCalls > LargestMinimumCalls:
		return bad("MinimumCalls", c.MinimumCalls, "must be between 1 and 1073741824")
	case c.WindowType == CountBased && c.MinimumCalls > c.WindowSize:
		return bad("MinimumCalls", c.MinimumCalls, "must not exceed WindowSize")
	}
	return kernel.CheckMailboxSize(Kind, "MailboxSize", c.MailboxSize)
}
