package sysload

import "github.com/bulwark-go/bulwark/actors/loadshed"

// Default thresholds: above them the host counts as at least
// loadshed.LevelHigh (the original SystemLoadShedder's 85 % each).
const (
	DefaultCPUThreshold    = 85.0
	DefaultMemoryThreshold = 85.0
)

var _ loadshed.Signal = (*Sampler)(nil)

// Level makes a Sampler the system-aware load shedder's Signal
// (loadshed.Config{Signal: sampler}). It reads the latest sample with one
// atomic load and grades it as the original did — CPU over 90 % or memory
// over 90 % is critical; CPU over 75 % or memory over 80 % high; CPU over
// 60 % or memory over 70 % elevated — and, past CPUThreshold or
// MemoryThreshold, never lower than high (which sheds Normal calls).
func (s *Sampler) Level() loadshed.LoadLevel {
	return levelOf(s.Latest(), s.cpuThreshold, s.memThreshold)
}

func levelOf(x Sample, cpuThreshold, memThreshold float64) loadshed.LoadLevel {
	level := loadshed.LevelNormal
	switch {
	case x.CPU > 90 || x.Memory > 90:
		level = loadshed.LevelCritical
	case x.CPU > 75 || x.Memory > 80:
		level = loadshed.LevelHigh
	case x.CPU > 60 || x.Memory > 70:
		level = loadshed.LevelElevated
	}
	if (x.CPU > cpuThreshold || x.Memory > memThreshold) && level < loadshed.LevelHigh {
		level = loadshed.LevelHigh
	}
	return level
}
