package hedge

import (
	"errors"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// FuzzConfig: a random Config is a *messages.ConfigError (Validate and New
// agree) or a Hedge whose fields are within their documented bounds.
func FuzzConfig(f *testing.F) {
	f.Add(int64(0), 0.0, int64(0), 0, 0, 0, 0)
	f.Add(int64(time.Millisecond), 95.0, int64(0), 256, 2, 10, 10)
	f.Add(int64(-1), 100.0, int64(-1), 15, 17, 1601, -1)
	f.Add(int64(LargestDelay), 1.0, int64(LargestDelay), LargestWindow, LargestMaxHedges, LargestBudgetPercent, LargestBudgetBurst)
	f.Fuzz(func(t *testing.T, delay int64, p float64, minDelay int64, window, hedges, pct, burst int) {
		cfg := Config{Delay: time.Duration(delay), Percentile: p, MinDelay: time.Duration(minDelay), Window: window,
			MaxHedges: hedges, BudgetPercent: pct, BudgetBurst: burst}
		h, err := New(nil, "fuzz", cfg)
		if verr := cfg.Validate(); (err == nil) != (verr == nil) {
			t.Fatalf("New %v, Validate %v: they disagree", err, verr)
		}
		var ce *messages.ConfigError
		if err != nil {
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			return
		}
		c := h.Config()
		switch {
		case c.Delay <= 0 || c.Delay > LargestDelay, c.MinDelay < 0 || c.MinDelay > LargestDelay,
			c.Window < SmallestWindow || c.Window > LargestWindow, c.MaxHedges < 1 || c.MaxHedges > LargestMaxHedges,
			c.BudgetPercent < 1 || c.BudgetPercent > LargestBudgetPercent, c.BudgetBurst < 1 || c.BudgetBurst > LargestBudgetBurst,
			c.Percentile != 0 && (c.Percentile < 1 || c.Percentile >= 100):
			t.Fatalf("accepted %+v", c)
		}
	})
}

// FuzzPercentile: the percentile is one of the samples (or the floor),
// at least the floor, and has at least p % of the samples at or below it.
func FuzzPercentile(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, 50.0, int64(0))
	f.Add([]byte{}, 99.0, int64(5))
	f.Add([]byte{9, 9, 9, 0}, 1.0, int64(3))
	f.Fuzz(func(t *testing.T, raw []byte, p float64, floor int64) {
		if !(p > 0 && p < 100) || floor < 0 {
			return
		}
		samples := make([]time.Duration, len(raw))
		for i, b := range raw {
			samples[i] = time.Duration(b)
		}
		orig := append([]time.Duration(nil), samples...)
		got := percentile(samples, p, time.Duration(floor))
		if got < time.Duration(floor) {
			t.Fatalf("got %v below the floor %v", got, floor)
		}
		if len(orig) == 0 || got == time.Duration(floor) {
			return
		}
		below, found := 0, false
		for _, s := range orig {
			if s <= got {
				below++
			}
			found = found || s == got
		}
		if !found || float64(below) < p/100*float64(len(orig))-1e-9 {
			t.Fatalf("p%v of %v: got %v (%d at or below, found %v)", p, orig, got, below, found)
		}
	})
}

// FuzzBudget: any sequence of credits and takes keeps the word in
// [0, limit] and never grants more than burst + calls × percent / 100
// hedges.
func FuzzBudget(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 1}, uint16(10), uint16(1))
	f.Add([]byte{1, 1, 1, 1}, uint16(1600), uint16(3))
	f.Fuzz(func(t *testing.T, ops []byte, pct, burst uint16) {
		percent, limit := int64(pct%LargestBudgetPercent)+1, (int64(burst)%1000+1)*100
		w := limit
		var calls, granted int64
		for _, op := range ops {
			if op%2 == 0 {
				w = credit(w, percent, limit)
				calls++
			} else if nw, ok := take(w); ok {
				w = nw
				granted++
			}
			if w < 0 || w > limit {
				t.Fatalf("word %d outside [0, %d]", w, limit)
			}
			if granted*100 > limit+calls*percent {
				t.Fatalf("%d hedges granted after %d calls at %d%%, burst %d", granted, calls, percent, limit/100)
			}
		}
	})
}
