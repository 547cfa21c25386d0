package admit

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// room is a Policy with n units of room, refusing with refuse when set.
type room struct {
	n      int
	next   uint64
	refuse string
}

func (r *room) Take() (uint64, bool) {
	if r.n == 0 {
		return 0, false
	}
	r.n--
	r.next++
	return r.next, true
}
func (r *room) Refuse(int) string { return r.refuse }
func (*room) Arrive()             {}
func (*room) Settle()             {}
func (*room) Finish(int)          {}
func (*room) GiveBack(uint64)     {}

func newQueue(p Policy, maxWaiting int) *Queue {
	return &Queue{policy: p, cfg: Config{MaxWaiting: maxWaiting, Words: &Words{Full: "full", Displaced: "displaced", Timeout: "timeout"}}}
}

// arriveAt has the owner decide an arrival at tier, as the actor would.
func arriveAt(q *Queue, tier int, noWait bool) (reply, chan verdict) {
	ch := make(chan verdict, 1)
	return q.arrive(arrive{tier: tier, noWait: noWait, ch: ch}), ch
}

func TestArrivalGrantQueueRefuse(t *testing.T) {
	p := &room{n: 1}
	q := newQueue(p, 2)
	if r, _ := arriveAt(q, 0, false); !r.granted || r.token != 1 {
		t.Fatalf("an arrival with room: got %+v, want granted token 1", r)
	}
	if r, _ := arriveAt(q, 0, true); r.queued || r.reason != "full" {
		t.Fatalf("a NoWait arrival without room: got %+v, want refused full", r)
	}
	for i := range 2 {
		if r, _ := arriveAt(q, 0, false); !r.queued {
			t.Fatalf("arrival %d without room: got %+v, want queued", i, r)
		}
	}
	if got := q.Waiting(); got != 2 {
		t.Fatalf("Waiting: got %d, want 2", got)
	}
	if r, _ := arriveAt(q, 0, false); r.queued || r.reason != "full" {
		t.Fatalf("an arrival at MaxWaiting: got %+v, want refused full", r)
	}
	p.refuse = "overloaded"
	if r, _ := arriveAt(q, 0, false); r.reason != "overloaded" {
		t.Fatalf("an arrival the policy refuses: got %+v, want refused overloaded", r)
	}
}

func TestServeByTierThenAge(t *testing.T) {
	p := &room{}
	q := newQueue(p, 4)
	var chs []chan verdict
	for _, tier := range []int{2, 2, 1, 2} {
		_, ch := arriveAt(q, tier, false)
		chs = append(chs, ch)
	}
	// The queue is full: Critical (tier 0) displaces the youngest of the
	// lowest tier, waiter 3.
	r, crit := arriveAt(q, 0, false)
	if !r.queued {
		t.Fatalf("tier 0 into a full queue: got %+v, want queued", r)
	}
	if v := <-chs[3]; v.granted {
		t.Fatalf("the youngest tier-2 waiter: got %+v, want displaced", v)
	}
	// A tier-1 arrival finds no tier below its own but tier 2 to displace.
	if r, ch := arriveAt(q, 1, false); !r.queued {
		t.Fatalf("tier 1 into a full queue: got %+v, want queued", r)
	} else {
		chs = append(chs, ch)
	}
	if v := <-chs[1]; v.granted {
		t.Fatalf("the next youngest tier-2 waiter: got %+v, want displaced", v)
	}
	if r, _ := arriveAt(q, 2, false); r.reason != "full" {
		t.Fatalf("tier 2 into a queue of higher tiers: got %+v, want refused full", r)
	}
	p.n = 4
	q.serve()
	order := []chan verdict{crit, chs[2], chs[4], chs[0]}
	for i, ch := range order {
		if v := <-ch; !v.granted || v.token != uint64(i+1) {
			t.Fatalf("served #%d: got %+v, want granted token %d", i+1, v, i+1)
		}
	}
	if q.len() != 0 || len(q.waiters) != 0 || q.Waiting() != 0 {
		t.Fatalf("after serving all: len %d, waiters %d, Waiting %d, want 0", q.len(), len(q.waiters), q.Waiting())
	}
}
