package adaptive

import (
	"math"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
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

// algorithms are the Algorithms' names, in their order.
var algorithms = [...]string{AIMD: "aimd", Vegas: "vegas"}

// String returns "aimd" or "vegas" ("unknown" for another value).
func (a Algorithm) String() string {
	if int(a) < len(algorithms) {
		return algorithms[a]
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

// defaults are the values of a Config's zero fields but the limits, whose
// defaults depend on each other.
var defaults = Config{Increase: DefaultIncrease, DecreaseFactor: DefaultDecreaseFactor, Window: DefaultWindow,
	IncreaseAtSuccessRate: DefaultIncreaseAtSuccessRate, DecreaseAtFailureRate: DefaultDecreaseAtFailureRate,
	BaselineWindows: DefaultBaselineWindows}

func (c Config) withDefaults() (Config, error) {
	if err := conf.Check(Kind, conf.If("Algorithm", c.Algorithm, c.Algorithm <= Vegas, "must be AIMD or Vegas"),
		conf.In("InitialLimit", c.InitialLimit, 0, LargestMaxLimit), conf.In("MinLimit", c.MinLimit, 0, LargestMaxLimit),
		conf.In("MaxLimit", c.MaxLimit, 0, LargestMaxLimit), conf.In("Increase", c.Increase, 0, math.MaxInt),
		conf.In("Window", c.Window, 0, LargestWindow), conf.In("BaselineWindows", c.BaselineWindows, 0, LargestBaselineWindows)); err != nil {
		return c, err
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
	c = conf.Fill(c, &defaults)
	increase, decrease := c.IncreaseAtSuccessRate, c.DecreaseAtFailureRate
	return c, conf.Check(Kind, conf.In("MaxLimit", c.MaxLimit, c.MinLimit, LargestMaxLimit),
		conf.In("InitialLimit", c.InitialLimit, c.MinLimit, c.MaxLimit),
		conf.If("DecreaseFactor", c.DecreaseFactor, c.DecreaseFactor > 0 && c.DecreaseFactor < 1, "must be in (0, 1)"),
		conf.If("IncreaseAtSuccessRate", increase, increase > 0 && increase <= 1, "must be in (0, 1]"),
		conf.If("DecreaseAtFailureRate", decrease, decrease > 0 && decrease <= 1, "must be in (0, 1]"),
		conf.If("DecreaseAtFailureRate", decrease, decrease+increase > 1, "must be above 1 - IncreaseAtSuccessRate"))
}
