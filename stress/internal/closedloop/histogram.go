package closedloop

import (
	"math/bits"
	"time"
)

// subBits is log2 of the sub-buckets per power of two: 8 sub-buckets keep
// every recorded latency within 12.5 % of its bucket's lower bound.
const (
	subBits    = 3
	subBuckets = 1 << subBits
	maxExp     = 37 // 2^37 ns ≈ 137 s; longer latencies land in the last bucket
	nBuckets   = (maxExp-subBits+1)*subBuckets + subBuckets
)

// bucket returns the histogram bucket of a latency of ns nanoseconds.
func bucket(ns int64) int {
	if ns < subBuckets {
		if ns < 0 {
			return 0
		}
		return int(ns)
	}
	e := bits.Len64(uint64(ns)) - 1
	if e > maxExp {
		return nBuckets - 1
	}
	sub := int(ns>>(e-subBits)) & (subBuckets - 1)
	return (e-subBits+1)*subBuckets + sub
}

// bounds returns the lowest latency of bucket i and the bucket's width.
func bounds(i int) (lo, width int64) {
	if i < subBuckets {
		return int64(i), 1
	}
	e := i/subBuckets + subBits - 1
	sub := int64(i % subBuckets)
	width = int64(1) << (e - subBits)
	return (subBuckets + sub) * width, width
}

// recorder is one goroutine's latency record: a fixed array of counters
// written by that goroutine only, so recording a call is an index
// computation and an increment (no allocation, no atomics).
type recorder struct {
	counts [nBuckets]uint32
	max    int64
}

func (r *recorder) record(ns int64) {
	r.counts[bucket(ns)]++
	if ns > r.max {
		r.max = ns
	}
}

// Histogram is a log-linear latency histogram (8 buckets per power of two)
// merged from every goroutine of a run.
type Histogram struct {
	counts [nBuckets]uint64
	n      uint64
	max    int64
}

func (h *Histogram) add(r *recorder) {
	for i, c := range r.counts {
		h.counts[i] += uint64(c)
		h.n += uint64(c)
	}
	if r.max > h.max {
		h.max = r.max
	}
}

// Merge adds every count of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if o.max > h.max {
		h.max = o.max
	}
}

// Count returns how many latencies h holds.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest latency recorded (exact).
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the latency below which a fraction q (0 < q ≤ 1) of the
// calls fall: the middle of the bucket holding that rank, never above Max.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if rank >= h.n {
		rank = h.n - 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			lo, w := bounds(i)
			v := lo + w/2
			if v > h.max {
				v = h.max
			}
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}
