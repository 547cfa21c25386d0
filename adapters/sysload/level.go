package sysload

import "github.com/bulwark-go/bulwark/actors/loadshed"

var _ loadshed.Signal = (*Sampler)(nil)

// Level makes a Sampler the system-aware load shedder's Signal
// (loadshed.Config{Signal: sampler}). It grades the latest sample by the
// Config's grades (see Config) when the sample is fresh (see Fresh), and
// reports loadshed.LevelNormal otherwise — before the first reading, when
// the sample is older than StaleAfter, or when the sampler has stopped or
// failed past its restart budget — so that the shedder falls back to its
// own count. It costs an atomic load and a clock reading.
func (s *Sampler) Level() loadshed.LoadLevel {
	x, ok := s.Fresh()
	if !ok {
		return loadshed.LevelNormal
	}
	return s.cfg.grade(x)
}

// grade returns the level of sample x under the Config's grades.
func (c Config) grade(x Sample) loadshed.LoadLevel {
	switch {
	case x.CPU > c.CriticalCPU || x.Memory > c.CriticalMemory:
		return loadshed.LevelCritical
	case x.CPU > c.CPUThreshold || x.Memory > c.MemoryThreshold:
		return loadshed.LevelHigh
	case x.CPU > c.ElevatedCPU || x.Memory > c.ElevatedMemory:
		return loadshed.LevelElevated
	}
	return loadshed.LevelNormal
}
