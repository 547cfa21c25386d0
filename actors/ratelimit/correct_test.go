package ratelimit

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
	"time"
)

// testCell is a GCRA cell for (key "k", r) as its shard would make it.
func testCell(r Rate) *cell { return newCell(0, "k", r, GCRA) }

// algCell is the cell for (key "k", r) of a shard running alg.
func algCell(r Rate, alg Algorithm) *cell { return newCell(0, "k", r, alg) }

func tryReserve(c *cell, now, maxWait int64) (reservation, bool, int64) {
	res, ok, wait, _ := c.reserveAt(now, maxWait)
	return res, ok, wait
}

func cancelRes(c *cell, res reservation) { c.unreserve(res) }

// boundOK reports whether times (sorted, ns) never holds more than
// Count + floor(d*Count/Period) events in any closed interval of length d:
// the most GCRA and any correct limiter of r may admit.
func boundOK(times []int64, r Rate) (ok bool, i, j int) {
	for i = range times {
		for j = i; j < len(times); j++ {
			d := times[j] - times[i]
			hi, lo := bits.Mul64(uint64(d), uint64(r.Count))
			q, _ := bits.Div64(hi, lo, uint64(r.Period))
			if int64(j-i+1) > r.Count+int64(q) {
				return false, i, j
			}
		}
	}
	return true, 0, 0
}

// TestGCRAExactRates drives a key with a request every nanosecond (as many
// as pass) and checks the admissions against burst + rate*t, and that the
// rate is not undercut by more than one event.
func TestGCRAExactRates(t *testing.T) {
	for _, r := range []Rate{
		{6, 10}, {5, 9}, {3, 10}, {7, 100}, {2, 3}, {1, 1}, {1000, 1001}, {4, 1000},
	} {
		c := testCell(r)
		var times []int64
		const horizon = 1000
		for now := int64(0); now <= horizon; now++ {
			for {
				ok, _, _ := c.allowAt(now)
				if !ok {
					break
				}
				times = append(times, now)
			}
		}
		want := r.Count + horizon*r.Count/int64(r.Period)
		if got := int64(len(times)); got > want || got < want-1 {
			t.Errorf("%v over %dns: got %d admitted, want %d (burst + rate*t)", r, horizon, got, want)
		}
		if ok, i, j := boundOK(times, r); !ok {
			t.Errorf("%v: %d admitted in [%d, %d]ns, more than burst + rate*t", r, j-i+1, times[i], times[j])
		}
	}
}

// The longest period: one event, then nothing for ages, and the key's word
// never lands on the eviction marker. A longer one is refused.
func TestGCRAHugePeriod(t *testing.T) {
	if err := (Rate{1, math.MaxInt64}).check(); err == nil {
		t.Fatal("Rate{1, MaxInt64}: accepted, want a RateError")
	}
	for _, start := range []int64{0, 1, 12345} {
		c := testCell(Rate{1, LargestPeriod})
		if ok, _, dead := c.allowAt(start); !ok || dead {
			t.Fatalf("start %d: first: got ok=%v dead=%v, want true false", start, ok, dead)
		}
		if c.word.Load() == dead {
			t.Fatalf("start %d: the word is the eviction marker", start)
		}
		for _, now := range []int64{start, start + 1, 1 << 40, 1 << 62} {
			ok, retry, isDead := c.allowAt(now)
			if ok || isDead || retry <= 0 {
				t.Fatalf("start %d, at %d: got ok=%v retry=%d dead=%v, want a refusal", start, now, ok, retry, isDead)
			}
		}
	}
}

// Cancelling a reservation that later ones were booked behind gives back
// nothing (x/time/rate's Reservation.Cancel rule): 1/second, A allowed at
// 0, B and C reserved for +1 s and +2 s; B cancels; D must come after C.
func TestGCRACancelNotLast(t *testing.T) {
	c := testCell(Rate{1, time.Second})
	s := int64(time.Second)
	if ok, _, _ := c.allowAt(0); !ok {
		t.Fatal("A refused")
	}
	resB := reserve(t, c, 0, s)
	reserve(t, c, 0, 2*s)
	cancelRes(c, resB)
	reserve(t, c, 0, 3*s) // D, not at +2 s beside C
	// The last reservation given back is given back whole.
	resE := reserve(t, c, 0, 4*s)
	cancelRes(c, resE)
	reserve(t, c, 0, 4*s)
}

func reserve(t *testing.T, c *cell, now, want int64) reservation {
	t.Helper()
	res, ok, wait := tryReserve(c, now, math.MaxInt64)
	if !ok || wait != want {
		t.Fatalf("reserve at %v: got ok=%v wait=%v, want true %v", time.Duration(now), ok, time.Duration(wait), time.Duration(want))
	}
	return res
}

// TestGCRAReserveCancelProperty: random reserve, allow, cancel and advance
// steps (the times callers read may lag the word, as on the real clock)
// never admit more than burst + rate*t in any interval, counting each
// granted reservation at the time it was granted for.
func TestGCRAReserveCancelProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 300 {
		r := Rate{1 + rng.Int64N(4), time.Duration(1 + rng.Int64N(50))}
		if r.Count > int64(r.Period) {
			r.Count = int64(r.Period)
		}
		c := testCell(r)
		type pend struct {
			res reservation
			at  int64
		}
		var pending []pend
		var times []int64
		var now int64
		for range 60 {
			switch rng.IntN(5) {
			case 0:
				now += rng.Int64N(int64(r.Period))
			case 1:
				at := max(now-rng.Int64N(3), 0) // a reading that may lag
				if ok, _, _ := c.allowAt(at); ok {
					times = append(times, at)
				}
			case 2, 3:
				if res, ok, wait := tryReserve(c, now, int64(r.Period)*3); ok {
					pending = append(pending, pend{res, now + wait})
				}
			case 4:
				if len(pending) > 0 {
					i := rng.IntN(len(pending))
					cancelRes(c, pending[i].res)
					pending = append(pending[:i], pending[i+1:]...)
				}
			}
		}
		for _, p := range pending {
			times = append(times, p.at)
		}
		sortInts(times)
		if ok, i, j := boundOK(times, r); !ok {
			t.Fatalf("round %d, %v: %d admitted in [%d, %d]ns: %v", round, r, j-i+1, times[i], times[j], times)
		}
	}
}

func sortInts(a []int64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// A caller whose clock reading is older than the key's last update (it was
// descheduled between reading the clock and deciding) must not see a fresh
// window.
func TestStaleNow(t *testing.T) {
	s := int64(time.Second)
	for _, alg := range []Algorithm{GCRA, SlidingWindow} {
		c := algCell(Rate{2, time.Second}, alg)
		got := 0
		for _, now := range []int64{5 * s, 4*s + s/2, 4*s + s/2, 5 * s, 3 * s, 0, 5*s - 1} {
			if ok, _, _ := c.allowAt(now); ok {
				got++
			}
		}
		if got != 2 {
			t.Errorf("%v: got %d admitted, want 2", alg, got)
		}
	}
}

// The sliding window's window number does not wrap into a stale count.
func TestWindowNoWrap(t *testing.T) {
	r := Rate{1, time.Microsecond}
	c := algCell(r, SlidingWindow)
	for _, now := range []int64{0, 1 << 23 * int64(time.Microsecond), 1 << 33 * int64(time.Microsecond)} {
		if ok, retry, _ := c.allowAt(now); !ok {
			t.Fatalf("at %v: refused (retry %v), want allowed: the key has been idle", time.Duration(now), time.Duration(retry))
		}
	}
}
