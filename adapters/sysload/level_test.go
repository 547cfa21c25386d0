package sysload

import (
	"testing"

	"github.com/bulwark-go/bulwark/actors/loadshed"
)

func TestLevelOf(t *testing.T) {
	for _, tc := range []struct {
		cpu, memory float64
		want        loadshed.LoadLevel
	}{
		{30, 40, loadshed.LevelNormal},
		{60, 70, loadshed.LevelNormal}, // thresholds are strict, as the original's
		{65, 65, loadshed.LevelElevated},
		{50, 71, loadshed.LevelElevated},
		{76, 10, loadshed.LevelHigh},
		{10, 81, loadshed.LevelHigh},
		{86, 10, loadshed.LevelHigh}, // over CPUThreshold
		{85, 87, loadshed.LevelHigh}, // over MemoryThreshold: not critical, so High callers still pass
		{95, 10, loadshed.LevelCritical},
		{10, 91, loadshed.LevelCritical},
	} {
		if got := levelOf(Sample{CPU: tc.cpu, Memory: tc.memory}, DefaultCPUThreshold, DefaultMemoryThreshold); got != tc.want {
			t.Errorf("cpu %v mem %v: got %v, want %v", tc.cpu, tc.memory, got, tc.want)
		}
	}
	if got := levelOf(Sample{CPU: 50}, 40, 100); got != loadshed.LevelHigh {
		t.Errorf("custom CPU threshold: got %v", got)
	}
}
