package adaptive

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
	"github.com/bulwark-go/bulwark/messages"
)

// A window's decision is taken when the actor harvests the stripes, not
// when the reports are added: reports added without a nudge leave the
// limit alone until Stats harvests them, then move it as the same
// completions one by one would, with their mean latency on the fake clock.
func TestDecidedAtHarvest(t *testing.T) {
	eng, clock := enginetest.StartFake(t, time.Unix(0, 0))
	l, err := New(eng, "harvest", Config{Algorithm: Vegas, Window: 4, InitialLimit: 2, MinLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := eng.Events().Subscribe(eventstream.Filter{Types: []eventstream.Type{eventstream.EventLimitChanged}}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	serial := newState(l.cfg)
	for i := range 4 {
		p, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Duration(i+1) * time.Millisecond)
		rtt := p.Latency(clock)
		// Release without its nudge: lower the count, add the report.
		l.inflight.Add(-1)
		l.reports.add(false, true, true, rtt, 1)
		serial.record(messages.Success, rtt, 1)
	}
	l.reports.add(false, false, true, 0, 1) // an Ignored release
	if l.Limit() != 2 || serial.limit != 3 {
		t.Fatalf("before the harvest: got limit %d (serial %d), want 2 (3)", l.Limit(), serial.limit)
	}
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Completed != 5 || st.Succeeded != 4 || st.Limit != serial.limit || l.Limit() != serial.limit ||
		st.RecentRTT != serial.recent || st.RecentRTT != 2500*time.Microsecond || st.InFlight != 0 {
		t.Fatalf("got %+v, want 5 completed, 4 successes, limit %d, recent RTT 2.5ms, nothing in flight", st, serial.limit)
	}
	if ev := <-sub.C(); ev.Fields.Count != 2 || ev.Fields.Max != 3 || ev.Fields.Elapsed != 2500*time.Microsecond {
		t.Fatalf("got %v, want limit_changed 2 -> 3 with the recent RTT", ev)
	}
}

// The fewest failures that decide a window early, as state.record decides.
func TestDecidingFailures(t *testing.T) {
	for _, cfg := range []Config{{}, {Window: 1}, {Window: 10}, {Window: 7, DecreaseAtFailureRate: 0.5, IncreaseAtSuccessRate: 0.9},
		{Window: 1000, DecreaseAtFailureRate: 0.001, IncreaseAtSuccessRate: 1}, {Window: 3, DecreaseAtFailureRate: 0.99}} {
		full, err := cfg.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		s := newState(full)
		want := 0
		for want < full.Window {
			want++
			if _, ok := s.record(messages.Failure, 0, 1); ok || s.decided {
				break
			}
		}
		if got := decidingFailures(full); got != want {
			t.Errorf("%+v: got %d, want %d", cfg, got, want)
		}
	}
}

// A cell fills its cache lines, and every cell of the stripes counts: a
// report added through any in-flight count is harvested once.
func TestStripesCells(t *testing.T) {
	if size := unsafe.Sizeof(cell{}); size != tally.CellSize {
		t.Fatalf("a cell is %d bytes, want %d", size, tally.CellSize)
	}
	var s stripes
	s.init(Config{Window: 1 << 20})
	n := len(s.Cells())
	for i := 0; i < 3*n; i++ {
		s.add(i%2 == 0, true, false, 0, int64(i))
	}
	s.add(false, false, false, 0, 1)
	b, ignored := s.harvest()
	if b.successes != 3*n/2 || b.failures != 3*n/2 || ignored != 1 {
		t.Fatalf("got %d successes, %d failures, %d ignored; want %d, %d, 1", b.successes, b.failures, ignored, 3*n/2, 3*n/2)
	}
	if b, ignored := s.harvest(); b != (batch{}) || ignored != 0 {
		t.Fatalf("a second harvest: got %+v and %d ignored, want nothing", b, ignored)
	}
}
