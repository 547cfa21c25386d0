package adaptive

import (
	"slices"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

func mustConfig(t *testing.T, c Config) Config {
	t.Helper()
	full, err := c.withDefaults()
	if err != nil {
		t.Fatalf("withDefaults(%+v): %v", c, err)
	}
	return full
}

// feed records s successes then f failures (latency rtt, in-flight at the
// limit) and returns the limit.
func feed(s *state, succ, fail int, rtt time.Duration) int {
	for range succ {
		s.record(messages.Success, rtt, s.limit)
	}
	for range fail {
		s.record(messages.Failure, rtt, s.limit)
	}
	return s.limit
}

// SPEC §13.80.
func TestAIMDWindows(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		succ, fail int
		want       int
	}{
		{"all success increases", Config{Window: 10, Increase: 10}, 10, 0, 110},
		{"half failing halves", Config{Window: 10, DecreaseFactor: 0.5}, 5, 5, 50},
		{"all failing, factor 0.8", Config{Window: 10, DecreaseFactor: 0.8}, 0, 10, 80},
		{"max respected", Config{Window: 10, Increase: 50, MaxLimit: 120}, 10, 0, 120},
		{"min respected", Config{Window: 10, DecreaseFactor: 0.1, MinLimit: 20}, 0, 10, 20},
		{"window not complete", Config{Window: 10}, 9, 0, 100},
	}
	for _, tt := range tests {
		s := newState(mustConfig(t, tt.cfg))
		if got := feed(&s, tt.succ, tt.fail, 0); got != tt.want {
			t.Errorf("%s: got limit %d, want %d", tt.name, got, tt.want)
		}
	}
	s := newState(mustConfig(t, Config{Window: 10}))
	feed(&s, 10, 0, 0)
	if s.successes != 0 || s.failures != 0 {
		t.Fatalf("after a window: got counters %d/%d, want reset", s.successes, s.failures)
	}
}

// SPEC §13.84: thresholds are inclusive, exactly at the boundary.
func TestAIMDBoundaries(t *testing.T) {
	tests := []struct {
		succ, fail int
		want       int
	}{
		{95, 5, 101},  // rate 0.95 == IncreaseAtSuccessRate: increase
		{94, 6, 100},  // 0.94: hold
		{81, 19, 100}, // 0.81: hold
		{85, 15, 100}, // between: hold (SPEC §13.81)
		{80, 20, 90},  // failure rate 0.20 == DecreaseAtFailureRate: decrease
	}
	for _, tt := range tests {
		s := newState(mustConfig(t, Config{}))
		if got := feed(&s, tt.succ, tt.fail, 0); got != tt.want {
			t.Errorf("%d/%d: got limit %d, want %d", tt.succ, tt.fail+tt.succ, got, tt.want)
		}
	}
}

// The decrease is decided as soon as the window's failures make it
// certain, and only once per window.
func TestEarlyDecrease(t *testing.T) {
	s := newState(mustConfig(t, Config{}))
	feed(&s, 0, 19, 0)
	if s.limit != 100 {
		t.Fatalf("19 failures of 100: got limit %d, want 100 (0.81 still possible)", s.limit)
	}
	c, ok := s.record(messages.Failure, 0, 1)
	if !ok || c.new != 90 || c.reason != ReasonFailureRate {
		t.Fatalf("20th failure: got %+v %v, want a decrease to 90 at once", c, ok)
	}
	feed(&s, 0, 80, 0) // the rest of the window: no second decrease
	if s.limit != 90 || s.successes+s.failures != 0 {
		t.Fatalf("end of window: got limit %d (window %d), want 90 and a new window", s.limit, s.successes+s.failures)
	}
}

// SPEC §13.81: cycles, oscillation, and the limit stays an integer in
// bounds.
func TestAIMDCycles(t *testing.T) {
	s := newState(mustConfig(t, Config{Window: 10, Increase: 5}))
	for range 5 {
		feed(&s, 10, 0, 0)
	}
	if s.limit <= 120 {
		t.Fatalf("five increase cycles: got %d, want > 120", s.limit)
	}
	s = newState(mustConfig(t, Config{Window: 10, DecreaseFactor: 0.8}))
	for range 5 {
		feed(&s, 0, 10, 0)
	}
	if s.limit >= 60 {
		t.Fatalf("five decrease cycles: got %d, want < 60", s.limit)
	}
	s = newState(mustConfig(t, Config{Window: 10, Increase: 7, DecreaseFactor: 0.73, MinLimit: 10, MaxLimit: 200}))
	for i := range 200 {
		if i%3 == 0 {
			feed(&s, 0, 10, 0)
		} else {
			feed(&s, 10, 0, 0)
		}
		if s.limit < 10 || s.limit > 200 {
			t.Fatalf("cycle %d: limit %d out of [10, 200]", i, s.limit)
		}
	}
}

// Vegas lowers the limit when latency rises, with no failure at all, and
// raises it again while latency is at its baseline.
func TestVegasLatency(t *testing.T) {
	s := newState(mustConfig(t, Config{Algorithm: Vegas, Window: 10, InitialLimit: 50}))
	for range 5 {
		feed(&s, 10, 0, 10*time.Millisecond)
	}
	if s.limit != 55 {
		t.Fatalf("steady latency: got limit %d, want 55", s.limit)
	}
	// q = ceil(55 × (1 − 10/12)) = 10: between alpha 6 and beta 11, held.
	if feed(&s, 10, 0, 12*time.Millisecond); s.limit != 55 {
		t.Fatalf("latency +20 %%: got limit %d, want 55 held", s.limit)
	}
	before := s.limit
	feed(&s, 10, 0, 30*time.Millisecond)
	if s.limit >= before || s.limit < before/2 {
		t.Fatalf("latency ×3: got limit %d from %d, want lower, by at most half", s.limit, before)
	}
	rising := s.limit
	for ms := 40; ms <= 100; ms += 20 {
		feed(&s, 10, 0, time.Duration(ms)*time.Millisecond)
	}
	if s.limit >= rising {
		t.Fatalf("rising latency: got limit %d, want below %d", s.limit, rising)
	}
	if s.limit < s.cfg.MinLimit {
		t.Fatalf("limit %d below MinLimit", s.limit)
	}
}

// Vegas does not raise a limit that nobody uses.
func TestVegasAppLimited(t *testing.T) {
	s := newState(mustConfig(t, Config{Algorithm: Vegas, Window: 10}))
	for range 5 {
		for range 10 {
			s.record(messages.Success, time.Millisecond, 3)
		}
	}
	if s.limit != 100 {
		t.Fatalf("3 of 100 in use: got limit %d, want 100", s.limit)
	}
}

func TestIgnoredNotCounted(t *testing.T) {
	s := newState(mustConfig(t, Config{Window: 2}))
	s.record(messages.Ignored, 0, 1)
	s.record(messages.Success, 0, 1)
	if s.limit != 100 || s.successes != 1 {
		t.Fatalf("got limit %d successes %d, want 100 and 1", s.limit, s.successes)
	}
}

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		in            Config
		init, mn, max int
	}{
		{Config{}, 100, 10, 1000},
		{Config{MaxLimit: 5}, 5, 5, 5},
		{Config{MinLimit: 200}, 200, 200, 1000},
		{Config{InitialLimit: 3}, 3, 3, 1000},
		{Config{InitialLimit: 5000}, 5000, 10, 5000},
	}
	for _, tt := range tests {
		c := mustConfig(t, tt.in)
		if c.InitialLimit != tt.init || c.MinLimit != tt.mn || c.MaxLimit != tt.max {
			t.Errorf("%+v: got %d/%d/%d, want %d/%d/%d", tt.in, c.InitialLimit, c.MinLimit, c.MaxLimit, tt.init, tt.mn, tt.max)
		}
	}
}

// A batch is decided as its completions one by one: within a window only
// the counts matter, so a batch that fills windows exactly gives the same
// limits, events and latencies as the serial completions.
func TestBatchSameAsSerial(t *testing.T) {
	for _, cfg := range []Config{{Window: 10, DecreaseFactor: 0.5}, {Algorithm: Vegas, Window: 10, InitialLimit: 20, MinLimit: 2}} {
		serial, batched := newState(mustConfig(t, cfg)), newState(mustConfig(t, cfg))
		// Each step is one window's successes, failures and latency; the
		// failing ones decide early in serial.
		for i, w := range []struct {
			succ, fail int
			rtt        time.Duration
		}{{10, 0, 10}, {7, 3, 10}, {10, 0, 30}, {2, 8, 40}, {10, 0, 10}, {10, 0, 10}} {
			var want []change
			for range w.succ {
				if c, ok := serial.record(messages.Success, w.rtt*time.Millisecond, 20); ok {
					want = append(want, c)
				}
			}
			for range w.fail {
				if c, ok := serial.record(messages.Failure, w.rtt*time.Millisecond, 20); ok {
					want = append(want, c)
				}
			}
			b := batch{successes: w.succ, failures: w.fail, rttSum: time.Duration(w.succ+w.fail) * w.rtt * time.Millisecond, peak: 20}
			var got []change
			for b.successes+b.failures > 0 {
				if c, ok := batched.take(&b); ok {
					got = append(got, c)
				}
			}
			if !slices.Equal(got, want) || batched.limit != serial.limit || batched.recent != serial.recent {
				t.Fatalf("%v window %d: batch %v (limit %d, rtt %v), serial %v (limit %d, rtt %v)",
					cfg.Algorithm, i, got, batched.limit, batched.recent, want, serial.limit, serial.recent)
			}
		}
	}
}

// A batch that runs past the window's end is split in proportion: each
// window takes its share of the failures and of the latency.
func TestBatchSplitsAtWindowEnd(t *testing.T) {
	s := newState(mustConfig(t, Config{Algorithm: Vegas, Window: 10, DecreaseFactor: 0.5}))
	feed(&s, 4, 0, 10*time.Millisecond)
	// 16 completions, 4 failing (rate 0.75), 20 ms each: the window takes
	// 6 of them, 2 failing (1.5 rounded), and ends at rate 0.8; the other
	// 10, 2 failing, end the next window at 0.8 too.
	b := batch{successes: 12, failures: 4, rttSum: 16 * 20 * time.Millisecond, peak: 100}
	c, ok := s.take(&b)
	if !ok || c.new != 50 || c.reason != ReasonFailureRate {
		t.Fatalf("first window: got %+v %v, want a decrease to 50", c, ok)
	}
	if b.successes != 8 || b.failures != 2 || b.rttSum != 10*20*time.Millisecond || s.successes+s.failures != 0 {
		t.Fatalf("left: %+v, window %d/%d; want 8 successes, 2 failures, 200ms and a new window", b, s.successes, s.failures)
	}
	if c, ok := s.take(&b); !ok || c.new != 25 || b != (batch{peak: 100}) {
		t.Fatalf("second window: got %+v %v (left %+v), want a decrease to 25 and nothing left", c, ok, b)
	}
}
