package closedloop

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	for _, ns := range []int64{0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 12345, 1e6, 1e9, 1e11} {
		i := bucket(ns)
		lo, w := bounds(i)
		if ns < lo || ns >= lo+w {
			t.Errorf("bucket(%d) = %d: got [%d, %d), want it to hold %d", ns, i, lo, lo+w, ns)
		}
		if lo >= 8 && float64(w)/float64(lo) > 0.125 {
			t.Errorf("bucket %d: width %d over %d, want at most 12.5%%", i, w, lo)
		}
	}
	if got := bucket(1 << 60); got != nBuckets-1 {
		t.Errorf("bucket(2^60): got %d, want the last, %d", got, nBuckets-1)
	}
}

func TestQuantiles(t *testing.T) {
	var r recorder
	for i := 1; i <= 1000; i++ {
		r.record(int64(i) * 1000) // 1 µs … 1 ms
	}
	var h Histogram
	h.add(&r)
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {0.999, 999 * time.Microsecond}} {
		got := h.Quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d < -0.13 || d > 0.13 {
			t.Errorf("Quantile(%v): got %v, want %v within 12.5%%", c.q, got, c.want)
		}
	}
	if h.Count() != 1000 || h.Max() != time.Millisecond {
		t.Errorf("got count %d max %v, want 1000 and 1ms", h.Count(), h.Max())
	}
}

func TestRunCountsEveryCall(t *testing.T) {
	var n atomic.Int64
	for _, cfg := range []Config{{Goroutines: 7, Calls: 13}, {Goroutines: 10, Total: 95}, {Goroutines: 10, Total: 3}} {
		n.Store(0)
		res := Run(cfg, func(int) func() { return func() { n.Add(1) } })
		want := int64(cfg.Goroutines * cfg.Calls)
		if cfg.Total > 0 {
			want = int64(cfg.Total)
		}
		if n.Load() != want || res.Calls != uint64(want) || res.Latency.Count() != uint64(want) {
			t.Errorf("%+v: got %d calls, result %d, histogram %d; want %d", cfg, n.Load(), res.Calls, res.Latency.Count(), want)
		}
	}
	res := Run(Config{Goroutines: 4, Duration: 20 * time.Millisecond}, func(int) func() { return func() {} })
	if res.Calls == 0 || res.Elapsed < 20*time.Millisecond {
		t.Errorf("duration run: got %d calls in %v", res.Calls, res.Elapsed)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	var r recorder
	if a := testing.AllocsPerRun(100, func() { r.record(12345) }); a != 0 {
		t.Errorf("record: got %v allocs, want 0", a)
	}
}
