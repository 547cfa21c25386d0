package stress

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/stress/internal/closedloop"
)

// eventTypes are the types the event test publishes, one per caller in turn.
var eventTypes = []eventstream.Type{
	eventstream.EventCallSuccess, eventstream.EventCallFailure,
	eventstream.EventCallRejected, eventstream.EventRequestShed,
}

// TestEventStreamCounts: every caller publishes events through the engine
// while a fast subscriber (its buffer holds them all) and a stuck one (a
// buffer of one, never read) are attached. The fast subscriber sees exactly
// the events published, type by type; the stuck one drops the rest; no
// publisher ever waits for it — every Publish returned.
func TestEventStreamCounts(t *testing.T) {
	eng := enginetest.Start(t)
	n, per := callers(), 10
	fast, err := eng.Events().Subscribe(eventstream.Filter{Types: eventTypes, Patterns: []string{"stress"}}, n*per)
	if err != nil {
		t.Fatal(err)
	}
	stuck, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{"stress"}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var published [4]atomic.Int64
	var seen [4]int64
	byType := map[eventstream.Type]int{}
	for i, ty := range eventTypes {
		byType[ty] = i
	}
	readerDone := make(chan struct{})
	var got atomic.Int64
	go func() {
		defer close(readerDone)
		for ev := range fast.C() {
			seen[byType[ev.Type]]++
			got.Add(1)
		}
	}()
	res := closedloop.Run(closedloop.Config{Goroutines: n, Calls: per}, func(w int) func() {
		i := w % len(eventTypes)
		ev := eventstream.Event{Type: eventTypes[i], Pattern: "stress", Name: "events", Fields: eventstream.Fields{Count: int64(w)}}
		return func() {
			eng.Publish(ev)
			published[i].Add(1)
		}
	})
	t.Logf("publish with a stuck subscriber: %v", &res)
	total := int64(res.Calls)
	if !waitFor(10*time.Second, func() bool { return got.Load() == total }) {
		t.Errorf("fast subscriber: got %d events (dropped %d), want %d", got.Load(), fast.Dropped(), total)
	}
	fast.Close()
	<-readerDone
	for i, ty := range eventTypes {
		if seen[i] != published[i].Load() {
			t.Errorf("%s: fast subscriber saw %d, want %d published", ty, seen[i], published[i].Load())
		}
	}
	if d := int64(stuck.Dropped()); d < total-1 {
		t.Errorf("stuck subscriber: dropped %d, want at least %d (all but the one it holds)", d, total-1)
	}
	stuck.Close()
}

// TestStuckSubscriberSlowsNobody compares the publishers' throughput with
// and without a stuck subscriber attached. Publishing never waits for a
// subscriber, so the two runs differ only by the cost of the failed
// delivery; the test fails only if the stuck run is far slower (an
// allowance wide enough for a loaded machine).
func TestStuckSubscriberSlowsNobody(t *testing.T) {
	eng := enginetest.Start(t)
	fast, err := eng.Events().Subscribe(eventstream.Filter{Patterns: []string{"stress"}}, 1024)
	if err != nil {
		t.Fatal(err)
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for range fast.C() {
		}
	}()
	run := func() closedloop.Result {
		return closedloop.Run(closedloop.Config{Goroutines: callers(), Calls: rounds()}, func(w int) func() {
			ev := eventstream.Event{Type: eventstream.EventCallSuccess, Pattern: "stress", Name: "slow"}
			return func() { eng.Publish(ev) }
		})
	}
	base := run()
	stuck, err := eng.Events().Subscribe(eventstream.Filter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	with := run()
	t.Logf("without a stuck subscriber: %v", &base)
	t.Logf("with a stuck subscriber:    %v (it dropped %d)", &with, stuck.Dropped())
	if with.OpsPerSec() < base.OpsPerSec()/4 {
		t.Errorf("a stuck subscriber slowed publishers from %.0f to %.0f ops/s", base.OpsPerSec(), with.OpsPerSec())
	}
	if stuck.Dropped() == 0 {
		t.Error("the stuck subscriber dropped nothing")
	}
	stuck.Close()
	fast.Close()
	<-drained
}
