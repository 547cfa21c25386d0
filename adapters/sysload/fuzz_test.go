package sysload

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: any Config is either refused with a *messages.ConfigError or
// grades samples monotonically — more CPU or more memory never grades
// lower — with every grade in order and the staleness bound in range.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, int64(0), 50.0, 50.0, 10.0)
	f.Add(int64(time.Second), 99.0, 0.0, 0.0, 0.0, 0.0, 0.0, int64(0), 80.0, 10.0, 19.5)
	f.Add(int64(-1), 101.0, -1.0, 95.0, 0.0, 40.0, 0.0, int64(-1), 0.0, 0.0, 0.0)
	f.Add(int64(time.Millisecond), 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, int64(time.Hour), 100.0, 100.0, 1.0)
	f.Fuzz(func(t *testing.T, interval int64, cpuTh, memTh, elevCPU, elevMem, critCPU, critMem float64, stale int64,
		cpu, memory, more float64) {
		cfg := Config{Interval: time.Duration(interval), CPUThreshold: cpuTh, MemoryThreshold: memTh,
			ElevatedCPU: elevCPU, ElevatedMemory: elevMem, CriticalCPU: critCPU, CriticalMemory: critMem,
			StaleAfter: time.Duration(stale)}
		c, err := cfg.withDefaults()
		if err != nil {
			var ce *messages.ConfigError
			if !errors.As(err, &ce) || !errors.Is(cfg.Validate(), messages.ErrInvalidConfig) {
				t.Fatalf("Config %+v: got %v, want a *ConfigError from withDefaults and Validate", cfg, err)
			}
			return
		}
		if !(c.ElevatedCPU <= c.CPUThreshold && c.CPUThreshold <= c.CriticalCPU && c.CriticalCPU <= 100 &&
			c.ElevatedMemory <= c.MemoryThreshold && c.MemoryThreshold <= c.CriticalMemory && c.CriticalMemory <= 100) {
			t.Fatalf("accepted %+v: grades out of order after defaults: %+v", cfg, c)
		}
		if c.Interval < time.Millisecond || c.Interval > MaxInterval || c.StaleAfter < c.Interval {
			t.Fatalf("accepted %+v: interval %v, stale after %v", cfg, c.Interval, c.StaleAfter)
		}
		more = math.Abs(more)
		if math.IsNaN(cpu+more) || math.IsNaN(memory+more) {
			return // a sampler refuses NaN readings (percent)
		}
		lo := c.grade(Sample{CPU: cpu, Memory: memory})
		if hi := c.grade(Sample{CPU: cpu + more, Memory: memory}); hi < lo {
			t.Fatalf("%+v: CPU %v grades %v, CPU %v grades %v", c, cpu, lo, cpu+more, hi)
		}
		if hi := c.grade(Sample{CPU: cpu, Memory: memory + more}); hi < lo {
			t.Fatalf("%+v: memory %v grades %v, memory %v grades %v", c, memory, lo, memory+more, hi)
		}
	})
}
