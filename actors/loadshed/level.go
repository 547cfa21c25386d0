package loadshed

import "github.com/bulwark-go/bulwark/eventstream"

// busy reports whether more than 60 % of max may be in flight: whether
// the limit's AtMost, a bound on the calls in flight that reads no P's
// stack, is. The utilisation level is LevelNormal unless it is, and then
// heldLevel, which reads the stacks the other cores write.
func (s *Shedder) busy(max int) bool { return s.limit.AtMost()*100 > 60*max }

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
	lvl := signalOf(c)
	if s.busy(c.MaxInFlight) {
		lvl = max(lvl, s.heldLevel(c.MaxInFlight))
	}
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
