package coalesce

import (
	"testing"
	"time"
)

// reusable is the tests' model of a kept result: f is closed and its
// result kept at now (an offset on the Group's timing).
func (f *flight[T]) reusable(now time.Duration) bool { return f.closed() && f.keptAt(now) }

func keys(n *node[int]) (out []string) {
	for ; n != nil; n = n.next {
		out = append(out, n.f.key)
	}
	return out
}

// The shard list: with adds and drops closed flights, find sees only open
// ones, without takes one out and says whether anything changed; a
// closed flight refuses joins.
func TestList(t *testing.T) {
	a, b, c := makeFlight[int]("a", false), makeFlight[int]("b", true), makeFlight[int]("c", false)
	l := with(with(nil, a, 0), b, 0)
	if got := keys(l); len(got) != 2 || got[0] != "b" || got[1] != "a" {
		t.Fatalf("got %v, want [b a]", got)
	}
	if find(l, "a", 0) != a || find(l, "c", 0) != nil {
		t.Fatal("find: wrong flight")
	}
	a.close(nil)
	if !a.closed() || a.reusable(0) || find(l, "a", 0) != nil {
		t.Fatal("a closed flight was joined or found")
	}
	l = with(l, c, 0)
	if got := keys(l); len(got) != 2 || got[0] != "c" || got[1] != "b" {
		t.Fatalf("got %v, want [c b] (closed a dropped)", got)
	}
	if _, changed := without(l, a, 0); changed {
		t.Fatal("without a flight not in the list: got changed, want unchanged")
	}
	l, changed := without(l, b, 0)
	if got := keys(l); !changed || len(got) != 1 || got[0] != "c" {
		t.Fatalf("got %v, %v; want [c], changed", got, changed)
	}
}
