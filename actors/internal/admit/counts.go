package admit

import "sync/atomic"

// MaxReasons is how many rejection reasons Counts tells apart.
const MaxReasons = 8

// Counts are an admission pattern's rejections, by reason, and its
// cancellations. Set Words before sharing it; Reject, Cancel and the
// readers are safe for concurrent use.
type Counts struct {
	// Words hold the pattern's rejection reasons (Words.Reasons, at most
	// MaxReasons): the keys of RejectedBy.
	Words     *Words
	rejected  atomic.Pointer[[MaxReasons]atomic.Uint64] // made at the first rejection
	cancelled atomic.Uint64
}

// Reject counts a rejection for reason (one of Words.Reasons; another is not
// counted).
func (c *Counts) Reject(reason string) {
	for i, r := range c.Words.Reasons {
		if r == reason {
			by := c.rejected.Load()
			if by == nil {
				c.rejected.CompareAndSwap(nil, new([MaxReasons]atomic.Uint64))
				by = c.rejected.Load()
			}
			by[i].Add(1)
			return
		}
	}
}

// Cancel counts a caller whose context ended while it waited.
func (c *Counts) Cancel() { c.cancelled.Add(1) }

// Cancelled returns how many callers Cancel counted.
func (c *Counts) Cancelled() uint64 { return c.cancelled.Load() }

// Rejected returns the rejections in all and by reason (every reason has a
// key).
func (c *Counts) Rejected() (total uint64, by map[string]uint64) {
	by = make(map[string]uint64, len(c.Words.Reasons))
	counts := c.rejected.Load()
	for i, r := range c.Words.Reasons {
		var n uint64
		if counts != nil {
			n = counts[i].Load()
		}
		total += n
		by[r] = n
	}
	return total, by
}
