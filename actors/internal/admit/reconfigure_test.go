package admit

import (
	"testing"

	"github.com/bulwark-go/bulwark/messages"
)

func TestChangeTurnsAwayTheYoungestOfTheLowestTier(t *testing.T) {
	p := &room{}
	q := newQueue(p, 4)
	var chs []chan verdict
	for _, tier := range []int{0, 2, 1, 2} {
		_, ch := arriveAt(q, tier, false)
		chs = append(chs, ch)
	}
	var order []string
	q.change(Change{MaxWaiting: 2, Apply: func() { order = append(order, "apply") }, Applied: func() { order = append(order, "applied") }})
	for _, i := range []int{3, 1} {
		if v := <-chs[i]; v.granted || v.reason != messages.ReasonReconfigured {
			t.Fatalf("waiter %d beyond the new MaxWaiting: got %+v, want refused %q", i, v, messages.ReasonReconfigured)
		}
	}
	if q.len() != 2 || q.Waiting() != 2 || len(order) != 2 || order[0] != "apply" {
		t.Fatalf("after the change: len %d, Waiting %d, calls %v; want 2, 2, [apply applied]", q.len(), q.Waiting(), order)
	}
	if r, _ := arriveAt(q, 2, false); r.reason != "full" {
		t.Fatalf("an arrival at the new MaxWaiting: got %+v, want refused full", r)
	}
	// A change that makes room serves the waiters left, in order.
	q.change(Change{MaxWaiting: 2, Apply: func() { p.n = 2 }})
	for i, ch := range []chan verdict{chs[0], chs[2]} {
		if v := <-ch; !v.granted {
			t.Fatalf("waiter #%d after room came: got %+v, want granted", i, v)
		}
	}
}

// shutRoom is room that holds the fast paths closed while shut is set.
type shutRoom struct {
	room
	shut bool
}

func (s *shutRoom) Closed() bool { return s.shut }

func TestClosedPolicyPublishesOneMoreWaiter(t *testing.T) {
	p := &shutRoom{}
	q := newQueue(p, 4)
	q.publish()
	if got := q.Waiting(); got != 0 {
		t.Fatalf("Waiting, open and empty: got %d, want 0", got)
	}
	p.shut = true
	q.change(Change{MaxWaiting: 4})
	if got := q.Waiting(); got != 1 {
		t.Fatalf("Waiting, closed and empty: got %d, want 1", got)
	}
}
