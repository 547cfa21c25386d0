package coalesce

// Stats is a value copy of a Group's figures. Every call is counted once
// as Leaders, Followers, Rejected or Gone (calls = Leaders + Followers +
// Rejected + Gone); calls refused with ErrStopped, or with a nil
// function, are not counted.
type Stats struct {
	// Name is the Group's name.
	Name string
	// Leaders counts calls that started an execution.
	Leaders uint64
	// Followers counts calls that joined one already running.
	Followers uint64
	// Rejected counts calls refused with ErrTooManyKeys.
	Rejected uint64
	// Gone counts calls whose context had ended before the call: nothing
	// ran for them.
	Gone uint64
	// Left counts the leaders and followers whose context ended before
	// their result came (the work went on for the others).
	Left uint64
	// Panics counts executions whose function panicked.
	Panics uint64
	// InFlight is the number of keys in flight when Stats ran.
	InFlight int
}

// Counter indices in a Group's tally.
const (
	cLeaders = iota
	cFollowers
	cRejected
	cLeft
	cPanics
	cGone
)

func (g *Group[T]) count(i int) { g.stats.Add(i, 1) }

// Stats returns g's figures.
func (g *Group[T]) Stats() Stats {
	n := g.stats.Sums()
	return Stats{Name: g.name, Leaders: n[cLeaders], Followers: n[cFollowers], Rejected: n[cRejected],
		Gone: n[cGone], Left: n[cLeft], Panics: n[cPanics], InFlight: g.InFlight()}
}

// ResetStats sets g's counters back to zero. A call that runs meanwhile
// may or may not be counted.
func (g *Group[T]) ResetStats() { g.stats.Reset() }
