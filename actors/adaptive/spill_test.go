package adaptive

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Reports that found the mailbox full are not lost: the owner folds them
// into its window, with their mean latency.
func TestSpilledReportsFold(t *testing.T) {
	eng, err := engine.New(engine.WithClock(engine.NewFakeClock(time.Unix(0, 0))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Shutdown(context.Background()) })
	l, err := New(eng, "spill", Config{Algorithm: Vegas, Window: 4, InitialLimit: 2, MinLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := l.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		l.pool <- struct{}{} // as Release does, before it reports
		l.spilled.add(request{o: messages.Success, inflight: 2, rtt: time.Duration(i+1) * time.Millisecond})
	}
	l.spilled.add(request{o: messages.Ignored})
	st, err := l.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Completed != 5 || st.Successes != 4 || st.Limit != 3 || st.RecentRTT != 2500*time.Microsecond || st.InFlight != 0 {
		t.Fatalf("got %+v, want 5 completed, 4 successes, limit 3, recent RTT 2.5ms, nothing in flight", st)
	}
}
