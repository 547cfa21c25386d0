package sysload

import (
	"cmp"
	"fmt"
	"reflect"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Kind is the sampler's kind under the supervisor and in events.
const Kind = "sysload"

// Defaults of Config. A percentage is a share of what the Reader measures
// against: the container's CPU quota and memory limit under a Cgroup
// reader (the default) where the host sets them, else the whole host's.
const (
	// DefaultInterval is how often a Sampler reads the host.
	DefaultInterval = time.Second
	// MaxInterval is the longest Config.Interval.
	MaxInterval = 24 * time.Hour
	// DefaultCPUThreshold and DefaultMemoryThreshold: above either, the
	// host is at least loadshed.LevelHigh (sheds Normal calls).
	DefaultCPUThreshold    = 90.0
	DefaultMemoryThreshold = 90.0
	// DefaultElevatedCPU and DefaultElevatedMemory: above either, at least
	// loadshed.LevelElevated (sheds Low calls).
	DefaultElevatedCPU    = 75.0
	DefaultElevatedMemory = 80.0
	// DefaultCriticalCPU and DefaultCriticalMemory: above either,
	// loadshed.LevelCritical (sheds High calls).
	DefaultCriticalCPU    = 98.0
	DefaultCriticalMemory = 95.0
	// DefaultStaleAfterIntervals is how many Intervals a sample stays
	// fresh by default (Config.StaleAfter).
	DefaultStaleAfterIntervals = 3
)

// Config configures a Sampler. Zero fields take the defaults above; a
// default grade is moved so the grades stay in order (CPUThreshold 99
// alone gives CriticalCPU 99). Config is comparable: a Reader's dynamic
// type must be comparable.
//
// Grading: a sample is graded by the highest grade that its CPU or its
// memory is strictly above: ElevatedCPU/ElevatedMemory (LevelElevated),
// CPUThreshold/MemoryThreshold (LevelHigh), CriticalCPU/CriticalMemory
// (LevelCritical); else LevelNormal. Each is a percentage from 0 to 100
// (100: never), and for each figure Elevated <= Threshold <= Critical.
type Config struct {
	// Interval between samples (default DefaultInterval; 1 ms to
	// MaxInterval).
	Interval time.Duration
	// Reader reads the figures (default: a Cgroup of its own at
	// DefaultCgroupRoot, which reads the container's share of its CPU
	// quota and memory limit where the host sets them, else the host's;
	// Host{} reads the whole host's always).
	Reader Reader
	// CPUThreshold and MemoryThreshold: LevelHigh.
	CPUThreshold, MemoryThreshold float64
	// ElevatedCPU and ElevatedMemory: LevelElevated.
	ElevatedCPU, ElevatedMemory float64
	// CriticalCPU and CriticalMemory: LevelCritical.
	CriticalCPU, CriticalMemory float64
	// StaleAfter is how old a sample may be and still grade the host
	// (default DefaultStaleAfterIntervals × Interval; Interval to 72h).
	// An older sample, or a sampler that has stopped or failed, grades
	// LevelNormal: the shedder falls back to its own count.
	StaleAfter time.Duration
}

// Validate returns a *messages.ConfigError naming the first field out of
// its range, or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// percentFields are Config's percentages, with their defaults before the
// outer grades are moved (0: none).
var percentFields = [...]struct {
	name string
	def  float64
}{
	{"CPUThreshold", DefaultCPUThreshold}, {"MemoryThreshold", DefaultMemoryThreshold},
	{"ElevatedCPU", 0}, {"ElevatedMemory", 0}, {"CriticalCPU", 0}, {"CriticalMemory", 0},
}

func (c Config) withDefaults() (Config, error) {
	if c.Interval < 0 || (c.Interval != 0 && c.Interval < time.Millisecond) || c.Interval > MaxInterval {
		return c, messages.InvalidConfig(Kind, "Interval", c.Interval, "must be from 1ms to 24h (0: default 1s)")
	}
	c.Interval = cmp.Or(c.Interval, DefaultInterval)
	if c.Reader != nil && !reflect.TypeOf(c.Reader).Comparable() {
		return c, messages.InvalidConfig(Kind, "Reader", reflect.TypeOf(c.Reader), "must be of a comparable type (a pointer, say)")
	}
	// The fields in percentFields' order; their names are apart, so that
	// c stays on the stack (New of an existing name allocates nothing).
	for i, v := range [...]*float64{&c.CPUThreshold, &c.MemoryThreshold, &c.ElevatedCPU, &c.ElevatedMemory, &c.CriticalCPU, &c.CriticalMemory} {
		if !(*v >= 0 && *v <= 100) { // NaN too
			return c, messages.InvalidConfig(Kind, percentFields[i].name, *v, "must be a percentage from 0 to 100 (0: default)")
		}
		if *v == 0 {
			*v = percentFields[i].def
		}
	}
	// Defaults of the outer grades move to keep the order.
	if c.ElevatedCPU == 0 {
		c.ElevatedCPU = min(DefaultElevatedCPU, c.CPUThreshold)
	}
	if c.ElevatedMemory == 0 {
		c.ElevatedMemory = min(DefaultElevatedMemory, c.MemoryThreshold)
	}
	if c.CriticalCPU == 0 {
		c.CriticalCPU = max(DefaultCriticalCPU, c.CPUThreshold)
	}
	if c.CriticalMemory == 0 {
		c.CriticalMemory = max(DefaultCriticalMemory, c.MemoryThreshold)
	}
	for _, o := range []struct {
		field       string
		v, lo, hi   float64
		left, right string
	}{
		{"ElevatedCPU", c.ElevatedCPU, 0, c.CPUThreshold, "", "CPUThreshold"},
		{"CriticalCPU", c.CriticalCPU, c.CPUThreshold, 100, "CPUThreshold", ""},
		{"ElevatedMemory", c.ElevatedMemory, 0, c.MemoryThreshold, "", "MemoryThreshold"},
		{"CriticalMemory", c.CriticalMemory, c.MemoryThreshold, 100, "MemoryThreshold", ""},
	} {
		if o.v < o.lo || o.v > o.hi {
			rule := fmt.Sprintf("must be at most %s (%v)", o.right, o.hi)
			if o.left != "" {
				rule = fmt.Sprintf("must be at least %s (%v)", o.left, o.lo)
			}
			return c, messages.InvalidConfig(Kind, o.field, o.v, rule)
		}
	}
	switch {
	case c.StaleAfter < 0 || (c.StaleAfter > 0 && c.StaleAfter < c.Interval):
		return c, messages.InvalidConfig(Kind, "StaleAfter", c.StaleAfter, "must be at least Interval (0: default 3 × Interval)")
	case c.StaleAfter > DefaultStaleAfterIntervals*MaxInterval:
		return c, messages.InvalidConfig(Kind, "StaleAfter", c.StaleAfter, "must be at most 72h")
	case c.StaleAfter == 0:
		c.StaleAfter = DefaultStaleAfterIntervals * c.Interval
	}
	return c, nil
}
