package coalesce

import (
	"context"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
)

// Stats is a value copy of a Group's figures. Every call is counted once
// as Leaders, Followers, Reused, Rejected or Gone (calls = Leaders +
// Followers + Reused + Rejected + Gone); calls refused with ErrStopped, or with a nil
// function, are not counted.
type Stats struct {
	// Name is the Group's name.
	Name string
	// Leaders counts calls that started an execution.
	Leaders uint64
	// Followers counts calls that joined one already running.
	Followers uint64
	// Reused counts calls answered with a kept result (Config.ReuseFor)
	// without an execution.
	Reused uint64
	// Rejected counts calls refused with ErrTooManyKeys, and RejectedBy
	// splits them by reason (ReasonKeysFull; absent until it happens).
	Rejected   uint64
	RejectedBy map[string]uint64
	// Gone counts calls whose context had ended before the call: nothing
	// ran for them.
	Gone uint64
	// Cancelled counts the leaders and followers whose context ended
	// before their result came (the work went on for the others).
	Cancelled uint64
	// Panics counts executions whose function panicked.
	Panics uint64
	// InFlight is the number of keys in flight when Stats ran.
	InFlight int
	// Kept is the number of keys whose result was kept for reuse when
	// Stats ran. InFlight + Kept is at most Config.MaxKeys.
	Kept int
}

// Counter indices in each shard's counters.
const (
	cLeaders = iota
	cFollowers
	cRejected
	cCancelled
	cPanics
	cGone
	cReused
	nCounters
)

// sums returns every counter summed over the shards. Adds that run
// concurrently may or may not be in it; every add that returned before
// it began is.
func (g *Group[T]) sums() (n [nCounters]uint64) {
	t := g.table.Load()
	if t == nil {
		return n
	}
	for i := range t {
		for c := range n {
			n[c] += t[i].n[c].Load()
		}
	}
	return n
}

// Stats returns g's figures. It never blocks (ctx is not waited on) and
// the error is nil, or messages.ErrStopped, with the figures, once g's
// engine has stopped.
func (g *Group[T]) Stats(context.Context) (Stats, error) {
	n := g.sums()
	s := Stats{Name: g.name, Leaders: n[cLeaders], Followers: n[cFollowers], Reused: n[cReused], Rejected: n[cRejected],
		Gone: n[cGone], Cancelled: n[cCancelled], Panics: n[cPanics]}
	k := g.keys.Load()
	s.InFlight, s.Kept = int(uint32(k)), int(k>>32)
	if s.Rejected > 0 {
		s.RejectedBy = map[string]uint64{ReasonKeysFull: s.Rejected}
	}
	return s, tally.Err(g.eng)
}

// ResetStats sets g's counters back to zero. A call that runs meanwhile
// may or may not be counted.
func (g *Group[T]) ResetStats() {
	t := g.table.Load()
	if t == nil {
		return
	}
	for i := range t {
		for c := range t[i].n {
			t[i].n[c].Store(0)
		}
	}
}
