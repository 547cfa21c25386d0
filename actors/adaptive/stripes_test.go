package adaptive

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/bulwark-go/bulwark/actors/internal/tally"
	"github.com/bulwark-go/bulwark/actors/internal/waitq"
	"github.com/bulwark-go/bulwark/engine"
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
	serial := newState(*l.st.cfg)
	for i := range 4 {
		p, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Duration(i+1) * time.Millisecond)
		rtt := p.Latency(clock)
		// Release without its nudge: report, lower the count.
		l.end(nil, messages.Success, rtt)
		serial.record(messages.Success, rtt, 1)
	}
	if _, err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.end(nil, messages.Ignored, 0) // an Ignored release
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

// A cell fills its cache lines, and every cell of the stripes counts: the
// failures, ignored outcomes and latencies added to any cell are
// harvested once.
func TestStripesCells(t *testing.T) {
	if size := unsafe.Sizeof(cell{}); size != tally.CellSize {
		t.Fatalf("a cell is %d bytes, want %d", size, tally.CellSize)
	}
	var s stripes
	s.init(Config{Window: 1 << 20})
	cells := s.Ensure()
	n := len(cells)
	for i := range 3 * n {
		c := &cells[i%n]
		s.add(c, i%2 == 0, true, true, time.Millisecond)
		c.seen(int64(i))
	}
	s.add(&cells[1], false, false, true, time.Hour)
	b, ignored := s.harvest()
	if want := (batch{failures: (3*n + 1) / 2, rttSum: time.Duration(3*n) * time.Millisecond, peak: 3*n - 1}); b != want || ignored != 1 {
		t.Fatalf("got %+v and %d ignored; want %+v and 1", b, ignored, want)
	}
	if b, ignored := s.harvest(); b != (batch{}) || ignored != 0 {
		t.Fatalf("a second harvest: got %+v and %d ignored, want nothing", b, ignored)
	}
}

// Permits beyond the slots of a P's cells come from the Ledger, and both
// kinds are tokens: at limit 300 every permit is granted, a second
// Release of each frees nothing and counts one misuse, and then exactly
// 300 permits are back.
func TestSlotsThenLedger(t *testing.T) {
	const limit = 300
	eng, _ := enginetest.StartFake(t, time.Unix(0, 0))
	l, err := New(eng, "overflow", Config{InitialLimit: limit, MinLimit: limit, MaxLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		ps := make([]uint64, limit)
		slots := 0
		for i := range ps {
			p, err := l.Acquire(context.Background())
			if err != nil {
				t.Fatalf("round %d, Acquire #%d: %v", round, i+1, err)
			}
			ps[i] = p.Token
			if p.Token&waitq.IDMask == l.id {
				slots++
			}
		}
		if _, err := l.Acquire(context.Background()); err == nil {
			t.Fatalf("round %d: Acquire beyond the limit granted", round)
		}
		if max := l.reports.Len() * slotsPerCell; slots == 0 || slots > max || slots == limit {
			t.Fatalf("round %d: %d permits in slots, want some and at most %d, the rest from the Ledger", round, slots, max)
		}
		for _, tok := range ps {
			l.Release(engine.Permit{Token: tok}, messages.Success)
			l.Release(engine.Permit{Token: tok}, messages.Failure)
		}
		st, err := l.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n := uint64(round+1) * limit; st.InFlight != 0 || st.Misused != n || st.Succeeded != n || st.Failed != 0 || st.Completed != n {
			t.Fatalf("round %d: got %+v, want nothing in flight, %d successes and %d misused", round, st, n, n)
		}
	}
}

// A token with the limiter's slot id that names no held grant — a slot
// past the cells or the cell, the wrong sequence, a free slot — frees
// nothing and is counted as misuse.
func TestForgedSlotTokens(t *testing.T) {
	eng, _ := enginetest.StartFake(t, time.Unix(0, 0))
	l, err := New(eng, "forged", Config{InitialLimit: 1, MinLimit: 1, MaxLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if p.Token&waitq.IDMask != l.id {
		t.Fatalf("token %#x is not a slot's", p.Token)
	}
	idx := p.Token >> seqBits & indexMask
	k, i := idx>>slotShift, idx&(1<<slotShift-1)
	token := func(k, i, seq uint64) uint64 { return l.id | (k<<slotShift|i)<<seqBits | seq&seqMask }
	free := (i + 1) % slotsPerCell
	forged := []uint64{
		token(uint64(l.reports.Len()), i, p.Token), // past the cells
		token(k, slotsPerCell, p.Token),            // past the cell
		token(k, 1<<slotShift-1, p.Token),
		token(k, i, p.Token+1),        // the next grant's sequence
		token(k, i, p.Token-1),        // the last one's
		token(k, free, 1),             // a free slot's next grant
		token(k, free, 0),             // a free slot's last
		l.id,                          // no slot, no sequence
		l.id | ^waitq.IDMask,          // every bit below the id
		p.Token&^waitq.IDMask | 1<<63, // another id
	}
	for n, tok := range forged {
		l.Release(engine.Permit{Token: tok}, messages.Success)
		st, err := l.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.InFlight != 1 || st.Misused != uint64(n+1) || st.Completed != 0 {
			t.Fatalf("forged token %#x: got %+v, want the permit still held and %d misused", tok, st, n+1)
		}
	}
	if _, err := l.Acquire(context.Background()); err == nil {
		t.Fatal("a forged token freed the permit")
	}
	l.Release(p, messages.Success)
	if st, _ := l.Stats(context.Background()); st.InFlight != 0 || st.Completed != 1 {
		t.Fatalf("the real token: got %+v, want it released", st)
	}
}
