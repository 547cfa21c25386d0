package sysload

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/kernel"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// Sample is one reading of the host.
type Sample struct {
	// CPU and Memory are percentages, 0–100.
	CPU, Memory float64
	// At is when the sample was taken, on the engine's clock; zero before
	// the first sample.
	At time.Time
	// Good is when a reading last gave both figures; the sample's age
	// counts from it. Zero until one has.
	Good time.Time
	// Errors counts the readings that failed since the sampler started
	// (the last good figures are kept).
	Errors uint64
}

// Sampler reads the host every Interval. It is safe for concurrent use; its
// goroutine belongs to the engine's supervisor and ends at Shutdown.
type Sampler struct {
	cfg   Config
	clock engine.Clock
	actor *kernel.Actor[tick, Sample]
	snap  *kernel.Snapshot[Sample]
}

// tick asks for a sample now; sync only asks for the latest.
type tick struct{ sync bool }

// New gets or creates the sampler called name under eng. A Config out of
// its bounds is a *messages.ConfigError; the same name with another
// Config (after defaults) a *supervisor.ConflictError.
func New(eng *engine.Engine, name string, cfg Config) (*Sampler, error) {
	if eng == nil {
		return nil, messages.InvalidConfig(Kind, "engine", nil, "must not be nil")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if s, ok := kernel.Find[*Sampler](eng, Kind, name, &cfg); ok {
		return s, nil
	}
	return spawn(eng, name, cfg)
}

// spawn gets or creates the sampler called name with cfg, its config with
// defaults. It is apart from New so that New of an existing name, which
// Find answers, allocates nothing: the start function is made only here.
func spawn(eng *engine.Engine, name string, cfg Config) (*Sampler, error) {
	return kernel.Spawn(context.Background(), eng, Kind, name, cfg, func() (*Sampler, kernel.Service, error) {
		if cfg.Reader == nil {
			cfg.Reader = NewCgroup("")
		}
		s := &Sampler{cfg: cfg, clock: eng.Clock(), snap: &kernel.Snapshot[Sample]{}}
		s.snap.Publish(&Sample{})
		starts := 0
		s.actor = kernel.NewActor(8, func() kernel.Behavior[tick, Sample] {
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

// Fresh returns the most recent sample and whether it may grade the host:
// a reading has given both figures, the last such reading is at most
// StaleAfter old on the engine's clock, and the sampler has neither
// stopped nor failed past its restart budget.
func (s *Sampler) Fresh() (Sample, bool) {
	x := *s.snap.Load()
	if x.Good.IsZero() || s.actor.Err() != nil {
		return x, false
	}
	return x, s.clock.Since(x.Good) <= s.cfg.StaleAfter
}

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
	snap  *kernel.Snapshot[Sample]
	self  *kernel.Actor[tick, Sample]
	last  Sample
	timer engine.Timer
}

func (b *behavior) Receive(t tick) (Sample, error) {
	if t.sync {
		return b.last, nil
	}
	next := b.last
	next.At = b.eng.Clock().Now()
	cpu, cerr := percent(b.cfg.Reader.CPUPercent())
	memory, merr := percent(b.cfg.Reader.MemoryPercent())
	if cerr == nil {
		next.CPU = cpu
	}
	if merr == nil {
		next.Memory = memory
	}
	if cerr == nil && merr == nil {
		next.Good = next.At
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

// percent passes a reading on, or makes one outside 0–100 (NaN too) an
// error: a broken Reader must not grade the host.
func percent(v float64, err error) (float64, error) {
	if err == nil && !(v >= 0 && v <= 100) {
		err = fmt.Errorf("sysload: reading %v is not a percentage", v)
	}
	return v, err
}
