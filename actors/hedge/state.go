package hedge

import (
	"math"
	"slices"
	"time"
)

// The budget is one word: tokens in hundredths of a hedge. Each call
// credits BudgetPercent hundredths, up to BudgetBurst hedges; each hedge
// takes 100. So after n calls at most BudgetBurst + n × BudgetPercent/100
// hedges have started, under any interleaving.

// credit returns w after one call's credit of percent hundredths, capped
// at limit.
func credit(w, percent, limit int64) int64 { return min(w+percent, limit) }

// take returns w after one hedge, and false (w unchanged) when the budget
// holds less than one hedge.
func take(w int64) (int64, bool) {
	if w < 100 {
		return w, false
	}
	return w - 100, true
}

// percentile returns the p-th percentile (0 < p < 100) of samples by the
// nearest-rank method, and floor if it is larger. It sorts samples in
// place; an empty slice gives floor.
func percentile(samples []time.Duration, p float64, floor time.Duration) time.Duration {
	if len(samples) == 0 {
		return floor
	}
	slices.Sort(samples)
	rank := int(math.Ceil(p/100*float64(len(samples)))) - 1
	rank = min(max(rank, 0), len(samples)-1)
	return max(samples[rank], floor)
}
