package sysload

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultCgroupRoot is where Cgroup looks for the cgroup files by default.
const DefaultCgroupRoot = "/sys/fs/cgroup"

// unlimited: a cgroup v1 limit at or above it means no limit (the kernel
// reports "no limit" as a page-rounded MaxInt64).
const unlimited = 1 << 62

// Cgroup reads the figures of the cgroup mounted at its root — inside a
// container with a cgroup namespace, the container's own — as shares of
// that cgroup's CPU quota and memory limit:
//
//   - cgroup v2: cpu.max (quota and period), cpu.stat (usage_usec),
//     memory.max and memory.current;
//   - cgroup v1: cpu/cpu.cfs_quota_us, cpu/cpu.cfs_period_us,
//     cpuacct/cpuacct.usage, memory/memory.limit_in_bytes and
//     memory/memory.usage_in_bytes.
//
// CPU is the cgroup's use since the previous call as a percentage of its
// quota (the first call reads 0); memory its use as a percentage of its
// limit. Where the host sets no quota, no limit, or has no such files, it
// reads that figure as Host does, for the whole machine.
//
// Make one with NewCgroup. A Cgroup keeps the previous CPU reading, so it
// is not safe for concurrent use: give each Sampler its own.
type Cgroup struct {
	root string
	host Host
	now  func() time.Time

	usage time.Duration // the previous CPU reading
	at    time.Time
}

var _ Reader = (*Cgroup)(nil)

// NewCgroup returns a Cgroup reading the files under root
// (DefaultCgroupRoot when empty).
func NewCgroup(root string) *Cgroup {
	if root == "" {
		root = DefaultCgroupRoot
	}
	return &Cgroup{root: root, now: time.Now}
}

// CPUPercent returns the cgroup's CPU use since the previous call as a
// percentage of its quota, or Host's figure when it has none.
func (c *Cgroup) CPUPercent() (float64, error) {
	cores, ok := c.quota()
	if !ok {
		return c.host.CPUPercent()
	}
	usage, err := c.cpuUsage()
	if err != nil {
		return 0, err
	}
	now := c.now()
	prevUsage, prevAt := c.usage, c.at
	c.usage, c.at = usage, now
	elapsed := now.Sub(prevAt)
	if prevAt.IsZero() || elapsed <= 0 {
		return 0, nil
	}
	p := float64(usage-prevUsage) / (float64(elapsed) * cores) * 100
	return min(100, max(0, p)), nil
}

// MemoryPercent returns the cgroup's memory use as a percentage of its
// limit, or Host's figure when it has none.
func (c *Cgroup) MemoryPercent() (float64, error) {
	if limit, ok := c.readInt("memory.max", "memory/memory.limit_in_bytes"); ok && limit > 0 && limit < unlimited {
		used, ok := c.readInt("memory.current", "memory/memory.usage_in_bytes")
		if !ok {
			return 0, errors.New("sysload: cgroup sets a memory limit but its usage is unreadable")
		}
		return min(100, max(0, float64(used)*100/float64(limit))), nil
	}
	return c.host.MemoryPercent()
}

// quota returns the cgroup's CPU quota in cores, if it has one.
func (c *Cgroup) quota() (float64, bool) {
	if f := c.fields("cpu.max"); len(f) == 2 { // v2: "max 100000" or "200000 100000"
		q, err1 := strconv.ParseFloat(f[0], 64)
		p, err2 := strconv.ParseFloat(f[1], 64)
		if err1 == nil && err2 == nil && q > 0 && p > 0 {
			return q / p, true
		}
		return 0, false
	}
	q, ok1 := c.readInt("", "cpu/cpu.cfs_quota_us")
	p, ok2 := c.readInt("", "cpu/cpu.cfs_period_us")
	if ok1 && ok2 && q > 0 && p > 0 {
		return float64(q) / float64(p), true
	}
	return 0, false
}

// cpuUsage returns the cgroup's CPU time used so far.
func (c *Cgroup) cpuUsage() (time.Duration, error) {
	if b, err := os.ReadFile(filepath.Join(c.root, "cpu.stat")); err == nil {
		for line := range strings.Lines(string(b)) {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "usage_usec" {
				us, err := strconv.ParseInt(f[1], 10, 64)
				if err != nil {
					return 0, err
				}
				return time.Duration(us) * time.Microsecond, nil
			}
		}
	}
	if ns, ok := c.readInt("", "cpuacct/cpuacct.usage"); ok {
		return time.Duration(ns), nil
	}
	return 0, errors.New("sysload: cgroup sets a CPU quota but its usage is unreadable")
}

// readInt reads one integer from the v2 file, else from the v1 file (an
// empty name is skipped); "max" and missing or malformed files are not ok.
func (c *Cgroup) readInt(v2, v1 string) (int64, bool) {
	for _, name := range []string{v2, v1} {
		if name == "" {
			continue
		}
		if f := c.fields(name); len(f) == 1 {
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// fields returns the whitespace-separated fields of a file under root, or
// nil if it cannot be read.
func (c *Cgroup) fields(name string) []string {
	b, err := os.ReadFile(filepath.Join(c.root, name))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}
