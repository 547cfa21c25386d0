package adaptive

import (
	"fmt"
	"math"

	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of the adaptive limiter in events, errors and
// the supervisor's registry.
const Kind = "adaptive"

// Algorithm selects how the limit adapts.
type Algorithm uint8

// Algorithms.
const (
	// AIMD (the default) adapts to the success rate only, as the original:
	// additive increase, multiplicative decrease.
	AIMD Algorithm = iota
	// Vegas adapts to latency as well: it lowers the limit when calls slow
	// down, before they fail. Permits carry their start time.
	Vegas
)

// String returns "aimd" or "vegas".
func (a Algorithm) String() string {
	switch a {
	case AIMD:
		return "aimd"
	case Vegas:
		return "vegas"
	}
	return "unknown"
}

// Defaults of Config (the original's).
const (
	DefaultInitialLimit          = 100
	DefaultMinLimit              = 10
	DefaultMaxLimit              = 1000
	DefaultIncrease              = 1
	DefaultDecreaseFactor        = 0.9
	DefaultWindow                = 100
	DefaultIncreaseAtSuccessRate = 0.95
	DefaultDecreaseAtFailureRate = 0.20
	DefaultBaselineWindows       = 10
)

// Bounds of Config: a larger value is a *messages.ConfigError. Increase
// has none: the limit saturates at MaxLimit.
const (
	// LargestMaxLimit is the largest MaxLimit, MinLimit and InitialLimit
	// (1,048,576, the most permits one instance can track).
	LargestMaxLimit = waitq.MaxPermits
	// LargestWindow is the largest Window (2^30 completions).
	LargestWindow = 1 << 30
	// LargestBaselineWindows is the largest BaselineWindows (2^20).
	LargestBaselineWindows = 1 << 20
)

// Config configures a Limiter. Zero fields take the defaults above, except
// that a default MinLimit or InitialLimit is clamped into the range the
// other limits set (MaxLimit 5 alone gives MinLimit 5 and InitialLimit 5).
// Config is comparable.
type Config struct {
	// Algorithm is AIMD (default) or Vegas.
	Algorithm Algorithm
	// InitialLimit, MinLimit and MaxLimit bound the limit:
	// 1 <= MinLimit <= InitialLimit <= MaxLimit <= LargestMaxLimit.
	InitialLimit, MinLimit, MaxLimit int
	// Increase is added to the limit on a good window (>= 1; the limit
	// stops at MaxLimit, however large Increase is).
	Increase int
	// DecreaseFactor multiplies the limit on a bad window (0 < f < 1).
	DecreaseFactor float64
	// Window is the number of completions per evaluation (1..LargestWindow).
	Window int
	// IncreaseAtSuccessRate is the success rate of a window at or above
	// which the limit may rise; DecreaseAtFailureRate the failure rate at
	// or above which it falls. Both are in (0, 1], and their sum is above 1,
	// so that no window both rises and falls.
	IncreaseAtSuccessRate, DecreaseAtFailureRate float64
	// BaselineWindows is how many windows Vegas's baseline latency averages
	// over (1..LargestBaselineWindows; 1 makes the baseline the previous
	// window's mean).
	BaselineWindows int
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

func (c Config) withDefaults() (Config, error) {
	if c.Algorithm > Vegas {
		return c, messages.InvalidConfig(Kind, "Algorithm", c.Algorithm, "must be AIMD or Vegas")
	}
	for _, f := range []struct {
		name   string
		v, max int
	}{{"InitialLimit", c.InitialLimit, LargestMaxLimit}, {"MinLimit", c.MinLimit, LargestMaxLimit}, {"MaxLimit", c.MaxLimit, LargestMaxLimit},
		{"Increase", c.Increase, math.MaxInt}, {"Window", c.Window, LargestWindow}, {"BaselineWindows", c.BaselineWindows, LargestBaselineWindows}} {
		if f.v < 0 || f.v > f.max {
			return c, messages.InvalidConfig(Kind, f.name, f.v, fmt.Sprintf("must be 0 (default) to %d", f.max))
		}
	}
	if c.MaxLimit == 0 {
		c.MaxLimit = max(DefaultMaxLimit, c.MinLimit, c.InitialLimit)
	}
	if c.MinLimit == 0 {
		c.MinLimit = min(DefaultMinLimit, c.MaxLimit)
		if c.InitialLimit > 0 {
			c.MinLimit = min(c.MinLimit, c.InitialLimit)
		}
	}
	if c.InitialLimit == 0 {
		c.InitialLimit = min(max(DefaultInitialLimit, c.MinLimit), c.MaxLimit)
	}
	if c.Increase == 0 {
		c.Increase = DefaultIncrease
	}
	if c.DecreaseFactor == 0 {
		c.DecreaseFactor = DefaultDecreaseFactor
	}
	if c.Window == 0 {
		c.Window = DefaultWindow
	}
	if c.IncreaseAtSuccessRate == 0 {
		c.IncreaseAtSuccessRate = DefaultIncreaseAtSuccessRate
	}
	if c.DecreaseAtFailureRate == 0 {
		c.DecreaseAtFailureRate = DefaultDecreaseAtFailureRate
	}
	if c.BaselineWindows == 0 {
		c.BaselineWindows = DefaultBaselineWindows
	}
	switch {
	case c.MaxLimit < c.MinLimit:
		return c, messages.InvalidConfig(Kind, "MaxLimit", c.MaxLimit, "must be at least MinLimit")
	case c.InitialLimit < c.MinLimit || c.InitialLimit > c.MaxLimit:
		return c, messages.InvalidConfig(Kind, "InitialLimit", c.InitialLimit, "must be between MinLimit and MaxLimit")
	case !(c.DecreaseFactor > 0 && c.DecreaseFactor < 1):
		return c, messages.InvalidConfig(Kind, "DecreaseFactor", c.DecreaseFactor, "must be between 0 and 1, exclusive")
	case !(c.IncreaseAtSuccessRate > 0 && c.IncreaseAtSuccessRate <= 1):
		return c, messages.InvalidConfig(Kind, "IncreaseAtSuccessRate", c.IncreaseAtSuccessRate, "must be in (0, 1]")
	case !(c.DecreaseAtFailureRate > 0 && c.DecreaseAtFailureRate <= 1):
		return c, messages.InvalidConfig(Kind, "DecreaseAtFailureRate", c.DecreaseAtFailureRate, "must be in (0, 1]")
	case !(c.DecreaseAtFailureRate+c.IncreaseAtSuccessRate > 1):
		return c, messages.InvalidConfig(Kind, "DecreaseAtFailureRate", c.DecreaseAtFailureRate, "must be above 1 - IncreaseAtSuccessRate")
	}
	return c, nil
}
