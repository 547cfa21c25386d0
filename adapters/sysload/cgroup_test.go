package sysload

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Cgroup reads the container's share of its quota and limit, from the v2
// files or the v1 ones: CPU between two calls, memory at once.
func TestCgroupReadsQuotaAndLimit(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second map[string]string
	}{
		{"v2", map[string]string{
			"cpu.max": "200000 100000\n", "cpu.stat": "usage_usec 1000000\nuser_usec 1\n",
			"memory.max": "1000\n", "memory.current": "250\n",
		}, map[string]string{"cpu.stat": "usage_usec 2000000\n"}},
		{"v1", map[string]string{
			"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n", "cpuacct/cpuacct.usage": "1000000000\n",
			"memory/memory.limit_in_bytes": "1000\n", "memory/memory.usage_in_bytes": "250\n",
		}, map[string]string{"cpuacct/cpuacct.usage": "2000000000\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tc.first)
			c := NewCgroup(root)
			now := time.Unix(100, 0)
			c.now = func() time.Time { return now }
			if got, err := c.CPUPercent(); err != nil || got != 0 {
				t.Fatalf("first CPUPercent: got %v, %v, want 0 (no previous reading)", got, err)
			}
			writeFiles(t, root, tc.second)
			now = now.Add(time.Second) // 1 s of CPU in 1 s on a 2-core quota
			if got, err := c.CPUPercent(); err != nil || got != 50 {
				t.Fatalf("CPUPercent: got %v, %v, want 50", got, err)
			}
			if got, err := c.MemoryPercent(); err != nil || got != 25 {
				t.Fatalf("MemoryPercent: got %v, %v, want 25", got, err)
			}
		})
	}
}

// Without a quota or a limit (v2 "max", v1 -1 or a page-rounded MaxInt64,
// or no files at all) Cgroup reads the host as Host does.
func TestCgroupWithoutLimitsReadsTheHost(t *testing.T) {
	for _, files := range []map[string]string{
		{"cpu.max": "max 100000\n", "memory.max": "max\n"},
		{"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n", "memory/memory.limit_in_bytes": "9223372036854771712\n"},
		{},
	} {
		root := t.TempDir()
		writeFiles(t, root, files)
		c := NewCgroup(root)
		if _, ok := c.quota(); ok {
			t.Errorf("%v: got a quota, want none", files)
		}
		if got, err := c.MemoryPercent(); err != nil || got <= 0 || got > 100 {
			t.Errorf("%v: MemoryPercent got %v, %v, want the host's (0-100]", files, got, err)
		}
		if got, err := c.CPUPercent(); err != nil || got < 0 || got > 100 {
			t.Errorf("%v: CPUPercent got %v, %v, want the host's [0, 100]", files, got, err)
		}
	}
}
