package sysload

import (
	"context"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
	"github.com/bulwark-go/bulwark/supervisor"
)

// Kind is the sampler's kind under the supervisor and in events.
const Kind = "sysload"

// DefaultInterval is how often a Sampler reads the host by default.
const DefaultInterval = time.Second

// Config configures a Sampler. Zero fields take the defaults.
type Config struct {
	// Interval between samples (default DefaultInterval).
	Interval time.Duration
	// Reader reads the figures (default Host{}).
	Reader Reader
	// CPUThreshold and MemoryThreshold are the percentages above which
	// Level reports at least loadshed.LevelHigh (defaults 85 each).
	CPUThreshold, MemoryThreshold float64
}

// Sample is one reading of the host.
type Sample struct {
	// CPU and Memory are percentages, 0–100.
	CPU, Memory float64
	// At is when the sample was taken, on the engine's clock; zero before
	// the first sample.
	At time.Time
	// Errors counts the readings that failed since the sampler started
	// (the last good figures are kept).
	Errors uint64
}

// Sampler reads the host every Interval. It is safe for concurrent use; its
// goroutine belongs to the engine's supervisor and ends at Shutdown.
type Sampler struct {
	actor                      *engine.Actor[tick, Sample]
	snap                       *engine.Snapshot[Sample]
	cpuThreshold, memThreshold float64
}

// tick asks for a sample now; sync only asks for the latest.
type tick struct{ sync bool }

// New gets or creates the sampler called name under eng.
func New(eng *engine.Engine, name string, cfg Config) (*Sampler, error) {
	if cfg.Interval < 0 {
		return nil, messages.InvalidConfig(Kind, "Interval", cfg.Interval, "must not be negative")
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Reader == nil {
		cfg.Reader = Host{}
	}
	for _, th := range []struct {
		field string
		v     *float64
		def   float64
	}{{"CPUThreshold", &cfg.CPUThreshold, DefaultCPUThreshold}, {"MemoryThreshold", &cfg.MemoryThreshold, DefaultMemoryThreshold}} {
		if *th.v < 0 || *th.v > 100 {
			return nil, messages.InvalidConfig(Kind, th.field, *th.v, "must be a percentage from 0 to 100 (0: default)")
		}
		if *th.v == 0 {
			*th.v = th.def
		}
	}
	return engine.Spawn(context.Background(), eng, Kind, name, cfg, func() (*Sampler, supervisor.Service, error) {
		s := &Sampler{snap: &engine.Snapshot[Sample]{}, cpuThreshold: cfg.CPUThreshold, memThreshold: cfg.MemoryThreshold}
		s.snap.Publish(&Sample{})
		starts := 0
		s.actor = engine.NewActor(8, func() engine.Behavior[tick, Sample] {
			b := &behavior{eng: eng, name: name, cfg: cfg, snap: s.snap, self: s.actor}
			b.last = *s.snap.Load()
			if starts++; starts > 1 {
				b.self.TryTell(tick{}) // a restart: the old timer was stopped
			}
			return b
		})
		s.actor.TryTell(tick{}) // the first sample, ahead of any caller's message
		return s, s.actor, nil
	})
}

// Latest returns the most recent sample without waiting.
func (s *Sampler) Latest() Sample { return *s.snap.Load() }

// Sync waits until every tick already due has been handled and returns the
// latest sample: tests call it after moving a fake clock.
func (s *Sampler) Sync(ctx context.Context) (Sample, error) {
	return s.actor.Ask(ctx, tick{sync: true})
}

// behavior is the sampler's state, owned by its actor goroutine.
type behavior struct {
	eng   *engine.Engine
	name  string
	cfg   Config
	snap  *engine.Snapshot[Sample]
	self  *engine.Actor[tick, Sample]
	last  Sample
	timer engine.Timer
}

func (b *behavior) Receive(t tick) (Sample, error) {
	if t.sync {
		return b.last, nil
	}
	next := b.last
	next.At = b.eng.Clock().Now()
	cpu, cerr := b.cfg.Reader.CPUPercent()
	memory, merr := b.cfg.Reader.MemoryPercent()
	if cerr == nil {
		next.CPU = cpu
	}
	if merr == nil {
		next.Memory = memory
	}
	if err := firstErr(cerr, merr); err != nil {
		next.Errors++
		b.eng.Publish(eventstream.Event{Type: eventstream.EventBackendError, Pattern: Kind, Name: b.name,
			Fields: eventstream.Fields{Err: err.Error(), Count: int64(next.Errors)}})
	}
	b.last = next
	b.snap.Publish(&next)
	b.timer = b.eng.Clock().AfterFunc(b.cfg.Interval, func() { b.self.TryTell(tick{}) })
	return next, nil
}

// Stop disarms the next sample's timer when the loop ends.
func (b *behavior) Stop() {
	if b.timer != nil {
		b.timer.Stop()
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
