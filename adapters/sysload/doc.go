// Package sysload samples CPU and memory use for the system-aware load
// shedder (loadshed.Config{Signal: sampler}).
//
// A Sampler is an actor under the engine's supervisor: every Interval (on
// the engine's clock) it reads CPU and memory once and publishes the sample
// as a read-only snapshot, so a request path reads the latest figures with
// one atomic load and never waits for the operating system. This fixes the
// original library, which called psutil.cpu_percent(interval=0.1) — a
// 100 ms blocking sleep — on the event loop, inside its lock.
//
// # What it reads
//
// By default a Cgroup reader: the figures of the cgroup mounted at
// /sys/fs/cgroup (inside a container with a cgroup namespace, the
// container's own), as shares of its CPU quota and memory limit — cgroup
// v2's cpu.max, cpu.stat, memory.max and memory.current, or v1's
// cpu.cfs_quota_us, cpu.cfs_period_us, cpuacct.usage,
// memory.limit_in_bytes and memory.usage_in_bytes. Where the host sets no
// quota or limit, that figure is the whole machine's, read through
// gopsutil (cpu.Percent with a zero interval and mem.VirtualMemory), as
// the Host reader always does. CPU use is measured between two consecutive
// samples, so the first sample after start reads 0.
//
// # Grading
//
// Level grades the latest sample by thresholds that are all configurable
// (Config): above ElevatedCPU/ElevatedMemory LevelElevated (sheds Low),
// above CPUThreshold/MemoryThreshold LevelHigh (sheds Normal), above
// CriticalCPU/CriticalMemory LevelCritical (sheds High). The defaults
// (75/80, 90/90, 98/95) are looser than the original's (CPU over 75 % was
// already high), and a load shedder never sheds for its Signal while it
// has nothing in flight, so a busy shared host does not shed an idle
// service's first call.
//
// # Staleness
//
// A sample has an age, counted from the last reading that gave both
// figures (Sample.Good). A sample older than StaleAfter, or a sampler that
// has stopped or failed past its restart budget, is not fresh (Fresh):
// Level then reports LevelNormal and the shedder falls back to its own
// count of calls in flight instead of shedding on figures minutes old.
package sysload
