package hedge

import (
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the pattern name of Hedge in events and errors.
const Kind = "hedge"

// Defaults and bounds of Config. Each bound is inclusive.
const (
	// DefaultDelay is the wait before a hedge (Polly's default).
	DefaultDelay = 2 * time.Second
	// LargestDelay is the longest Config.Delay (1 hour).
	LargestDelay = time.Hour
	// DefaultWindow is how many recent latencies an adaptive delay reads.
	DefaultWindow = 256
	// SmallestWindow and LargestWindow bound Config.Window.
	SmallestWindow, LargestWindow = 16, 1 << 16
	// DefaultMaxHedges is how many attempts may start after the first.
	DefaultMaxHedges = 1
	// LargestMaxHedges bounds Config.MaxHedges.
	LargestMaxHedges = 16
	// DefaultBudgetPercent is the share of calls that may start a hedge.
	DefaultBudgetPercent = 10
	// LargestBudgetPercent bounds Config.BudgetPercent (every call may start
	// every hedge).
	LargestBudgetPercent = 100 * LargestMaxHedges
	// DefaultBudgetBurst is how many hedges the budget holds at the start
	// and at most.
	DefaultBudgetBurst = 10
	// LargestBudgetBurst bounds Config.BudgetBurst.
	LargestBudgetBurst = 1_000_000
)

// Config configures a Hedge. Zero fields take the defaults.
type Config struct {
	// Delay is how long an attempt runs before the next one starts, in
	// (0, LargestDelay]; default DefaultDelay. With Percentile set it is the
	// delay until the window holds enough latencies (Window/4).
	Delay time.Duration
	// Percentile, when set, in [1, 100), makes the delay the Percentile-th
	// percentile of the latencies of the last Window successful calls
	// (each measured from its winning attempt's start). 0 means the fixed
	// Delay.
	Percentile float64
	// MinDelay is the floor of an adaptive delay, in [0, LargestDelay];
	// default 0 (a tiny percentile may not hedge every call at once).
	MinDelay time.Duration
	// Window is how many recent latencies the percentile reads, in
	// [SmallestWindow, LargestWindow]; default DefaultWindow.
	Window int
	// MaxHedges is how many attempts may start after the first, in
	// [1, LargestMaxHedges]; default 1.
	MaxHedges int
	// BudgetPercent bounds the hedges to BudgetPercent % of calls (plus
	// BudgetBurst), in [1, LargestBudgetPercent]; default 10: an outage that
	// slows every call cannot double the load.
	BudgetPercent int
	// BudgetBurst is the budget's size in hedges: it starts full and the
	// calls refill it, in [1, LargestBudgetBurst]; default 10.
	BudgetBurst int
	// HedgeOn says which failed attempts let the call go on: the next
	// hedge starts at once and the others keep running. An error it
	// refuses is the call's result at once (the others are cancelled).
	// nil means DefaultHedgeOn.
	HedgeOn func(error) bool
}

// DefaultHedgeOn is the default HedgeOn, the same rule as retry's
// DefaultRetryOn: true for every error except context.Canceled and
// context.DeadlineExceeded and Bulwark's own refusals (messages.IsRefusal),
// since local overload is not a reason for more load; a messages.ErrTimeout
// from a timeout below the hedge is hedged.
func DefaultHedgeOn(err error) bool { return messages.WorthRepeating(err) }

// defaults are the values of a Config's zero fields.
var defaults = Config{Delay: DefaultDelay, Window: DefaultWindow, MaxHedges: DefaultMaxHedges,
	BudgetPercent: DefaultBudgetPercent, BudgetBurst: DefaultBudgetBurst, HedgeOn: DefaultHedgeOn}

func (c Config) withDefaults() Config { return conf.Fill(c, &defaults) }

// Validate reports the first field of c (zero fields taking the
// defaults) that New would refuse, as a *messages.ConfigError.
func (c Config) Validate() error {
	c = c.withDefaults()
	return conf.Check(Kind, conf.In("Delay", c.Delay, 1, LargestDelay),
		conf.If("Percentile", c.Percentile, c.Percentile == 0 || c.Percentile >= 1 && c.Percentile < 100, "must be 0 or in [1, 100)"),
		conf.In("MinDelay", c.MinDelay, 0, LargestDelay), conf.In("Window", c.Window, SmallestWindow, LargestWindow),
		conf.In("MaxHedges", c.MaxHedges, 1, LargestMaxHedges), conf.In("BudgetPercent", c.BudgetPercent, 1, LargestBudgetPercent),
		conf.In("BudgetBurst", c.BudgetBurst, 1, LargestBudgetBurst))
}
