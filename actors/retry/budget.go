package retry

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/bulwark-go/bulwark/actors/internal/conf"
	"github.com/bulwark-go/bulwark/actors/internal/spawn"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
)

// BudgetKind is the registry kind of a retry budget.
const BudgetKind = "retry.budget"

// Budget defaults (Finagle's RetryBudget).
const (
	DefaultBudgetRetryRate    = 0.2
	DefaultBudgetMinPerSecond = 10
	DefaultBudgetWindow       = 10 * time.Second
)

// budgetBuckets is how many slices the window is counted in.
const budgetBuckets = 10

// Bounds of a BudgetConfig.
const (
	// LargestBudgetMinPerSecond is the largest BudgetConfig.MinPerSecond.
	LargestBudgetMinPerSecond = 1_000_000
	// LargestBudgetWindow is the longest BudgetConfig.Window.
	LargestBudgetWindow = 24 * time.Hour
)

// BudgetConfig configures a Budget. Zero fields take the defaults. It is
// comparable.
type BudgetConfig struct {
	// RetryRate is the share of calls (first attempts) that may be
	// retried over the window, a fraction in (0, 10]: 0.2 (the default)
	// lets one call in five be retried. A rate, not a percent, as every
	// …Rate field in Bulwark.
	RetryRate float64
	// MinPerSecond is a floor of retries per second always allowed, so a
	// quiet service can still retry; default 10, at most
	// LargestBudgetMinPerSecond. -1 means no floor.
	MinPerSecond int
	// Window is the sliding window calls and retries are counted over;
	// default 10 s, in [10 ms, LargestBudgetWindow].
	Window time.Duration
}

// budgetDefaults are the values of a BudgetConfig's zero fields.
var budgetDefaults = BudgetConfig{RetryRate: DefaultBudgetRetryRate, MinPerSecond: DefaultBudgetMinPerSecond, Window: DefaultBudgetWindow}

func (c BudgetConfig) withDefaults() BudgetConfig { return conf.Fill(c, &budgetDefaults) }

// Validate reports the first field of c (zero fields taking the
// defaults) that NewBudget would refuse, as a *messages.ConfigError.
func (c BudgetConfig) Validate() error { return c.withDefaults().validate() }

func (c BudgetConfig) validate() error {
	return conf.Check(BudgetKind, conf.If("RetryRate", c.RetryRate, c.RetryRate > 0 && c.RetryRate <= 10, "must be in (0, 10]"),
		conf.In("MinPerSecond", c.MinPerSecond, -1, LargestBudgetMinPerSecond),
		conf.In("Window", c.Window, budgetBuckets*time.Millisecond, LargestBudgetWindow))
}

// BudgetStats is a snapshot of a Budget: its window and its counts since
// it started (or last restarted after a panic).
type BudgetStats struct {
	// Name is the budget's name.
	Name string
	// Calls and Retries are the calls deposited and the retries granted
	// within the window.
	Calls, Retries int64
	// Limit is how many retries the window allows now (RetryRate × Calls
	// plus the MinPerSecond floor); Retries may reach it, not pass it.
	Limit int64
	// Accepted counts retries granted since the budget started.
	Accepted uint64
	// Rejected counts retries refused because the window had none left
	// (ReasonBudget of the Retry's ExhaustedError), since the budget
	// started. A retry whose context ended, or that found the budget
	// stopped, is in neither count.
	Rejected uint64
}

// budgetState is the pure budget: calls and retries in a ring of buckets.
type budgetState struct {
	cfg              BudgetConfig
	width            int64 // bucket width, ns
	epoch            int64 // index of the current bucket
	calls, retries   [budgetBuckets]int64
	sumCalls, sumRet int64
	accepted         uint64
	rejected         uint64
}

func newBudgetState(cfg BudgetConfig) *budgetState {
	return &budgetState{cfg: cfg, width: int64(cfg.Window) / budgetBuckets}
}

func (s *budgetState) advance(now time.Time) {
	idx := now.UnixNano() / s.width
	if idx <= s.epoch {
		return
	}
	if idx-s.epoch >= budgetBuckets {
		s.calls, s.retries = [budgetBuckets]int64{}, [budgetBuckets]int64{}
		s.sumCalls, s.sumRet = 0, 0
	} else {
		for e := s.epoch + 1; e <= idx; e++ {
			b := e % budgetBuckets
			s.sumCalls -= s.calls[b]
			s.sumRet -= s.retries[b]
			s.calls[b], s.retries[b] = 0, 0
		}
	}
	s.epoch = idx
}

func (s *budgetState) limit() int64 {
	a := int64(math.Floor(s.cfg.RetryRate * float64(s.sumCalls)))
	if s.cfg.MinPerSecond > 0 {
		a += int64(float64(s.cfg.MinPerSecond) * s.cfg.Window.Seconds())
	}
	return a
}

// Deposit counts one call at now.
func (s *budgetState) Deposit(now time.Time) {
	s.advance(now)
	s.calls[s.epoch%budgetBuckets]++
	s.sumCalls++
}

// Withdraw grants one retry at now if the window allows it.
func (s *budgetState) Withdraw(now time.Time) bool {
	s.advance(now)
	if s.sumRet >= s.limit() {
		s.rejected++
		return false
	}
	s.retries[s.epoch%budgetBuckets]++
	s.sumRet++
	s.accepted++
	return true
}

func (s *budgetState) stats(now time.Time) BudgetStats {
	s.advance(now)
	return BudgetStats{Calls: s.sumCalls, Retries: s.sumRet, Limit: s.limit(), Accepted: s.accepted, Rejected: s.rejected}
}

// budgetMsg is a message of the budget actor: the budget's goroutine
// applies it to its state at now, and the reply goes back to an Ask.
type budgetMsg interface {
	apply(b *budgetBehavior, now time.Time) budgetReply
}

type depositMsg struct{}
type withdrawMsg struct{}
type statsMsg struct{}

func (depositMsg) apply(b *budgetBehavior, now time.Time) budgetReply {
	b.s.Deposit(now)
	return budgetReply{}
}

func (withdrawMsg) apply(b *budgetBehavior, now time.Time) budgetReply {
	return budgetReply{ok: b.s.Withdraw(now)}
}

func (statsMsg) apply(b *budgetBehavior, now time.Time) budgetReply {
	return budgetReply{stats: b.s.stats(now)}
}

type budgetReply struct {
	ok    bool
	stats BudgetStats
}

type budgetBehavior struct {
	s     *budgetState
	clock engine.Clock
	b     *Budget
}

func (b *budgetBehavior) Receive(m budgetMsg) (budgetReply, error) {
	return m.apply(b, b.clock.Now()), nil
}

// Budget caps retries at a share of calls over a sliding window, shared by
// every Retry that names it in Config.Budget. It is an actor: each call
// deposits with a one-way message (no round trip), each retry asks for a
// token. A restart after a panic starts from an empty window, under the
// config in force. Safe for concurrent use; its goroutine ends with the
// engine.
type Budget struct {
	name  string
	eng   *engine.Engine
	cfg   atomic.Pointer[BudgetConfig] // with defaults; Reconfigure replaces it
	actor *kernel.Actor[budgetMsg, budgetReply]
}

// NewBudget gets or creates the budget called name on eng. A name that
// exists with the same config is found without an allocation; with
// another it is a *supervisor.ConflictError. A nil eng or a field out of
// bounds is a *messages.ConfigError naming it.
func NewBudget(eng *engine.Engine, name string, cfg BudgetConfig) (*Budget, error) {
	return spawn.New(eng, BudgetKind, name, cfg, BudgetConfig.checked, func(eng *engine.Engine, name string, full *BudgetConfig) (*Budget, kernel.Service, error) {
		b := &Budget{name: name, eng: eng}
		b.cfg.Store(full)
		clock := eng.Clock()
		b.actor = kernel.NewActor(0, func() kernel.Behavior[budgetMsg, budgetReply] {
			return &budgetBehavior{s: newBudgetState(*b.cfg.Load()), clock: clock, b: b}
		})
		return b, b.actor, nil
	})
}

// checked returns c with its defaults, or the error of its first field out
// of bounds.
func (c BudgetConfig) checked() (BudgetConfig, error) {
	c = c.withDefaults()
	return c, c.validate()
}

func (b *Budget) deposit() { _ = b.actor.Tell(depositMsg{}) }

// withdraw asks for one retry; false when denied, stopped or ctx ended.
func (b *Budget) withdraw(ctx context.Context) bool {
	r, err := b.actor.Ask(ctx, withdrawMsg{})
	return err == nil && r.ok
}

// Stats returns the budget's window and counts. It waits for the budget's
// goroutine; once the engine has stopped it returns an error wrapping
// messages.ErrStopped, and ctx's error if ctx ends first. Name is set in every case.
func (b *Budget) Stats(ctx context.Context) (BudgetStats, error) {
	r, err := b.actor.Ask(ctx, statsMsg{})
	r.stats.Name = b.name
	return r.stats, err
}
