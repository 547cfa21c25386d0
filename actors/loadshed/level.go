package loadshed

import "github.com/bulwark-go/bulwark/eventstream"

// utilLevel returns the utilisation level against max: LevelNormal while
// the limit's AtMost, a bound on the calls in flight that reads no P's
// stack, is at most 60 % of max, else LevelOf the calls in flight, which
// reads the stacks the other cores write.
func (s *Shedder) utilLevel(max int) LoadLevel {
	if s.limit.AtMost()*100 <= 60*max {
		return LevelNormal
	}
	return s.heldLevel(max)
}

// heldLevel returns LevelOf the calls in flight against max.
func (s *Shedder) heldLevel(max int) LoadLevel { return LevelOf(s.inflight(), max) }

// idle reports whether no call is in flight.
func (s *Shedder) idle() bool { return s.limit.AtMost() == 0 || s.inflight() == 0 }

func (s *Shedder) inflight() int { return s.limit.Held() }

func (s *Shedder) signalLevel() LoadLevel { return signalOf(s.h.Config()) }

// signalOf returns the level of c's Signal (LevelNormal without one).
func signalOf(c *Config) LoadLevel {
	if c.Signal == nil {
		return LevelNormal
	}
	return c.Signal.Level()
}

func (s *Shedder) levelAt(inflight int) LoadLevel {
	c := s.h.Config()
	return max(LevelOf(inflight, c.MaxInFlight), signalOf(c))
}

// noteLevel asks the actor to publish a level change, once until it has.
func (s *Shedder) noteLevel() {
	c := s.h.Config()
	lvl := max(s.utilLevel(c.MaxInFlight), signalOf(c))
	if lvl != LoadLevel(s.level.Load()) && !s.dirty.Load() && s.dirty.CompareAndSwap(false, true) {
		s.h.Kick()
	}
}

// publishLevel publishes load_level_changed when the level moved since the
// last one it published. The actor calls it after every message and batch.
func (s *Shedder) publishLevel() {
	s.dirty.Store(false)
	inflight := s.inflight()
	lvl := s.levelAt(inflight)
	old := LoadLevel(s.level.Load())
	if lvl == old {
		return
	}
	s.level.Store(uint32(lvl))
	s.h.Engine().Publish(eventstream.Event{Type: eventstream.EventLoadLevelChanged, Pattern: Kind, Name: s.h.Name(),
		Fields: eventstream.Fields{OldState: old.String(), NewState: lvl.String(), Count: int64(inflight), Max: int64(s.h.Config().MaxInFlight)}})
}
