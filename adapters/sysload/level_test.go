package sysload

import (
	"errors"
	"math"
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/messages"
)

func full(t *testing.T, c Config) Config {
	t.Helper()
	c, err := c.withDefaults()
	if err != nil {
		t.Fatalf("withDefaults: %v", err)
	}
	return c
}

func TestGrade(t *testing.T) {
	def := full(t, Config{})
	loose := full(t, Config{CPUThreshold: 99}) // 14.2: CPU 80 % no longer grades high
	cpuBlind := full(t, Config{ElevatedCPU: 100, CPUThreshold: 100, CriticalCPU: 100})
	for _, tc := range []struct {
		name        string
		cfg         Config
		cpu, memory float64
		want        loadshed.LoadLevel
	}{
		{"idle", def, 30, 40, loadshed.LevelNormal},
		{"at the elevated grade (strict)", def, 75, 80, loadshed.LevelNormal},
		{"cpu above elevated", def, 76, 10, loadshed.LevelElevated},
		{"memory above elevated", def, 10, 81, loadshed.LevelElevated},
		{"cpu above threshold", def, 91, 10, loadshed.LevelHigh},
		{"memory above threshold", def, 10, 91, loadshed.LevelHigh},
		{"cpu above critical", def, 99, 10, loadshed.LevelCritical},
		{"memory above critical", def, 10, 96, loadshed.LevelCritical},
		{"CPUThreshold 99, cpu 80", loose, 80, 10, loadshed.LevelElevated},
		{"CPUThreshold 99, cpu 99.5", loose, 99.5, 10, loadshed.LevelCritical},
		{"cpu graded never, cpu 100", cpuBlind, 100, 10, loadshed.LevelNormal},
		{"cpu graded never, memory 96", cpuBlind, 100, 96, loadshed.LevelCritical},
	} {
		if got := tc.cfg.grade(Sample{CPU: tc.cpu, Memory: tc.memory}); got != tc.want {
			t.Errorf("%s: cpu %v mem %v: got %v, want %v", tc.name, tc.cpu, tc.memory, got, tc.want)
		}
	}
	if loose.CriticalCPU != 99 || loose.ElevatedCPU != DefaultElevatedCPU {
		t.Errorf("defaults moved around CPUThreshold 99: got elevated %v critical %v, want %v 99", loose.ElevatedCPU, loose.CriticalCPU, DefaultElevatedCPU)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{Interval: -1}, "Interval"},
		{Config{Interval: 1}, "Interval"},
		{Config{Interval: MaxInterval + 1}, "Interval"},
		{Config{CPUThreshold: 101}, "CPUThreshold"},
		{Config{MemoryThreshold: -1}, "MemoryThreshold"},
		{Config{ElevatedCPU: math.NaN()}, "ElevatedCPU"},
		{Config{ElevatedCPU: 95}, "ElevatedCPU"},       // above CPUThreshold 90
		{Config{CriticalMemory: 50}, "CriticalMemory"}, // below MemoryThreshold 90
		{Config{CPUThreshold: 50, CriticalCPU: 40}, "CriticalCPU"},
		{Config{StaleAfter: -1}, "StaleAfter"},
		{Config{Interval: 2e9, StaleAfter: 1e9}, "StaleAfter"},
		{Config{Reader: funcReader(nil)}, "Reader"},
	} {
		var ce *messages.ConfigError
		if err := tc.cfg.Validate(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("Validate(%+v): got %v, want a ConfigError naming %s", tc.cfg, err, tc.field)
		}
	}
	if err := (Config{CPUThreshold: 100, CriticalCPU: 100, ElevatedCPU: 100, MemoryThreshold: 50}).Validate(); err != nil {
		t.Errorf("Validate(grades at 100): got %v, want nil", err)
	}
}

// funcReader is a Reader of a type that is not comparable.
type funcReader func() (float64, error)

func (f funcReader) CPUPercent() (float64, error)    { return f() }
func (f funcReader) MemoryPercent() (float64, error) { return f() }
