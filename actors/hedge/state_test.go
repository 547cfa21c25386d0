package hedge

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		samples []time.Duration
		p       float64
		floor   time.Duration
		want    time.Duration
	}{
		{nil, 50, 3 * time.Millisecond, 3 * time.Millisecond},
		{ms(40, 10, 30, 20), 50, 0, 20 * time.Millisecond},
		{ms(40, 10, 30, 20), 75, 0, 30 * time.Millisecond},
		{ms(40, 10, 30, 20), 99, 0, 40 * time.Millisecond},
		{ms(40, 10, 30, 20), 1, 0, 10 * time.Millisecond},
		{ms(40, 10, 30, 20), 1, 15 * time.Millisecond, 15 * time.Millisecond},
	} {
		if got := percentile(c.samples, c.p, c.floor); got != c.want {
			t.Errorf("percentile(p=%v, floor %v): got %v, want %v", c.p, c.floor, got, c.want)
		}
	}
}

// The budget word, step by step: BudgetBurst 1 (100), 30 %.
func TestBudgetWord(t *testing.T) {
	w := int64(100)
	steps := []struct {
		op   string
		want int64
		ok   bool
	}{
		{"take", 0, true}, {"take", 0, false}, {"credit", 30, true}, {"credit", 60, true},
		{"credit", 90, true}, {"take", 90, false}, {"credit", 100, true}, {"credit", 100, true}, {"take", 0, true},
	}
	for i, s := range steps {
		ok := true
		if s.op == "take" {
			w, ok = take(w)
		} else {
			w = credit(w, 30, 100)
		}
		if w != s.want || ok != s.ok {
			t.Fatalf("step %d (%s): got %d, %v; want %d, %v", i, s.op, w, ok, s.want, s.ok)
		}
	}
}
