package ratelimit

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

const ms = int64(time.Millisecond)

func TestGCRAAllowAt(t *testing.T) {
	r := Rate{Count: 4, Period: time.Second} // interval 250 ms
	type step struct {
		now   int64
		ok    bool
		retry int64
	}
	steps := []step{
		{0, true, 0}, {0, true, 0}, {0, true, 0}, {0, true, 0},
		{0, false, 250 * ms},
		{249 * ms, false, 1 * ms},
		{250 * ms, true, 0}, // exactly at the next permit
		{250 * ms, false, 250 * ms},
		{2000 * ms, true, 0}, // idle: a full burst again
		{2000 * ms, true, 0}, {2000 * ms, true, 0}, {2000 * ms, true, 0},
		{2000 * ms, false, 250 * ms},
	}
	var tat int64
	for i, s := range steps {
		next, ok, retry := gcraAllowAt(tat, s.now, newGCRA(r))
		if ok != s.ok || retry != s.retry {
			t.Fatalf("step %d at %v: got ok=%v retry=%v, want ok=%v retry=%v", i, time.Duration(s.now), ok, time.Duration(retry), s.ok, time.Duration(s.retry))
		}
		if !ok && next != tat {
			t.Fatalf("step %d: a rejection changed the state %d → %d", i, tat, next)
		}
		tat = next
	}
}

func TestGCRAUnevenInterval(t *testing.T) {
	// 1s/3 is not a whole number of nanoseconds: still exactly 3 at once.
	r := Rate{Count: 3, Period: time.Second}
	var tat int64
	got := 0
	for range 10 {
		var ok bool
		tat, ok, _ = gcraAllowAt(tat, 0, newGCRA(r))
		if ok {
			got++
		}
	}
	if got != 3 {
		t.Fatalf("got %d allowed at one instant, want 3", got)
	}
}

func TestGCRAReserveAt(t *testing.T) {
	r := Rate{Count: 1, Period: time.Second}
	tat, ok, wait := gcraReserveAt(0, 0, 0, newGCRA(r))
	if !ok || wait != 0 {
		t.Fatalf("first: got ok=%v wait=%v, want true 0", ok, wait)
	}
	if _, ok, wait := gcraReserveAt(tat, 0, 999*ms, newGCRA(r)); ok || wait != 1000*ms {
		t.Fatalf("past deadline: got ok=%v wait=%v, want false 1s", ok, time.Duration(wait))
	}
	tat2, ok, wait := gcraReserveAt(tat, 0, 1000*ms, newGCRA(r))
	if !ok || wait != 1000*ms {
		t.Fatalf("within deadline: got ok=%v wait=%v, want true 1s", ok, time.Duration(wait))
	}
	if _, _, wait := gcraReserveAt(tat2, 0, 1<<62, newGCRA(r)); wait != 2000*ms {
		t.Fatalf("queued behind: got wait=%v, want 2s", time.Duration(wait))
	}
}

func TestWindowAllowAt(t *testing.T) {
	r := Rate{Count: 4, Period: time.Second}
	type step struct {
		now   int64
		ok    bool
		retry int64
	}
	steps := []step{
		{100 * ms, true, 0}, {100 * ms, true, 0}, {100 * ms, true, 0}, {100 * ms, true, 0},
		{100 * ms, false, 900*ms + 250*ms}, // next window, once prev*(1-f) <= 3: f >= 1/4
		{1250 * ms, true, 0},               // 4*0.75 + 0 + 1 = 4
		{1250 * ms, false, 250 * ms},       // 4*(1-f)+1+1 <= 4: f >= 1/2
		{1500 * ms, true, 0},
		{3000 * ms, true, 0}, // two windows later: nothing weighs
	}
	var word int64
	for i, s := range steps {
		next, ok, retry := windowAllowAt(word, s.now, r)
		if ok != s.ok || retry != s.retry {
			t.Fatalf("step %d at %v: got ok=%v retry=%v, want ok=%v retry=%v", i, time.Duration(s.now), ok, time.Duration(retry), s.ok, time.Duration(s.retry))
		}
		word = next
	}
	if idle := windowIdleAt(word, 3000*ms, r); idle != 5000*ms {
		t.Fatalf("idle at %v, want 5s", time.Duration(idle))
	}
}

func TestWindowRetryIsExact(t *testing.T) {
	// At now+retry-1 the request is still refused; at now+retry it passes.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		r := Rate{Count: 1 + rng.Int64N(20), Period: time.Duration(1+rng.Int64N(5)) * time.Second}
		var word, now int64
		for range 50 {
			now += rng.Int64N(int64(r.Period) / 4)
			next, ok, retry := windowAllowAt(word, now, r)
			if ok {
				word = next
				continue
			}
			if _, ok, _ := windowAllowAt(word, now+retry-1, r); ok {
				t.Fatalf("%v: allowed 1ns before RetryAfter %v", r, time.Duration(retry))
			}
			if _, ok, _ := windowAllowAt(word, now+retry, r); !ok {
				t.Fatalf("%v: refused at RetryAfter %v", r, time.Duration(retry))
			}
		}
	}
}

func TestTableInsertRemove(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := Rate{Count: 1, Period: time.Second}
	tab := newTable(64)
	live := map[string]*cell{}
	// Small hashes force long clusters and wrap-around.
	for step := range 20000 {
		k := strconv.Itoa(rng.IntN(40))
		h := uint64(rng.IntN(8)) | uint64(len(k))<<62
		if c, ok := live[k]; ok {
			got, i := tab.find(c.hash, k, r)
			if got != c {
				t.Fatalf("step %d: find(%q) = %p, want %p", step, k, got, c)
			}
			tab.remove(i)
			delete(live, k)
		} else {
			c := newCell(h, k, r, GCRA)
			tab.put(c)
			live[k] = c
		}
		for k, c := range live {
			if got := tab.lookup(c.hash, k, r); got != c && len(live) < 30 {
				t.Fatalf("step %d: lookup(%q) = %p, want %p", step, k, got, c)
			}
		}
	}
}
