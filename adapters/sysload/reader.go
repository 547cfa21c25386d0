package sysload

import (
	"github.com/shirou/gopsutil/v3/cpu"
	"github.com/shirou/gopsutil/v3/mem"
)

// Reader reads the host's figures. Host, the default, uses gopsutil; tests
// supply their own.
type Reader interface {
	// CPUPercent returns the CPU use since the previous call, 0–100.
	CPUPercent() (float64, error)
	// MemoryPercent returns the share of memory in use, 0–100.
	MemoryPercent() (float64, error)
}

// Host reads the real machine through gopsutil.
type Host struct{}

// CPUPercent returns gopsutil's cpu.Percent(0, false): the use of all CPUs
// together since the previous call.
func (Host) CPUPercent() (float64, error) {
	p, err := cpu.Percent(0, false)
	if err != nil || len(p) == 0 {
		return 0, err
	}
	return p[0], nil
}

// MemoryPercent returns gopsutil's mem.VirtualMemory().UsedPercent.
func (Host) MemoryPercent() (float64, error) {
	v, err := mem.VirtualMemory()
	if err != nil {
		return 0, err
	}
	return v.UsedPercent, nil
}
