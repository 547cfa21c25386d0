package stress

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// TestAdmissionQueueMixedWaits drives the shared queue-owning actor through
// a load shedder on the real clock: 64 goroutines at every priority, some
// whose context ends while they wait, under a MaxWait short enough to
// pass, with a queue small enough to displace. Never more than MaxInFlight
// calls run at once; every call ends exactly once as admitted, shed (by a
// Reason) or cancelled, and Stats counts the same; afterwards nothing is in
// flight or waiting.
func TestAdmissionQueueMixedWaits(t *testing.T) {
	const limit, workers = 4, 64
	calls := 300
	if testing.Short() || raceOn {
		calls = 60
	}
	s, err := loadshed.New(enginetest.Start(t), "mixed", loadshed.Config{MaxInFlight: limit, MaxWaiting: 8, MaxWait: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	prios := []messages.Priority{messages.Low, messages.Normal, messages.High, messages.Critical}
	var running, peak atomic.Int64
	var admitted, shed, cancelled atomic.Uint64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				ctx, cancel := context.Background(), context.CancelFunc(func() {})
				if (w+i)%3 == 0 {
					ctx, cancel = context.WithTimeout(ctx, time.Duration(i%4)*500*time.Microsecond)
				}
				p, err := s.AcquirePriority(ctx, prios[(w+i)%len(prios)])
				cancel()
				var rej *messages.RejectedError
				switch {
				case err == nil:
					admitted.Add(1)
					n := running.Add(1)
					for pk := peak.Load(); n > pk && !peak.CompareAndSwap(pk, n); pk = peak.Load() {
					}
					for range i % 3 { // the work the slot guards
						runtime.Gosched()
					}
					running.Add(-1)
					s.Release(p, messages.Success)
				case errors.As(err, &rej) && errors.Is(err, loadshed.ErrShed):
					shed.Add(1)
				case errors.Is(err, context.DeadlineExceeded):
					cancelled.Add(1)
				default:
					t.Errorf("AcquirePriority: unexpected %v", err)
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit {
		t.Fatalf("calls running at once: got %d, want at most %d", p, limit)
	}
	if got, want := admitted.Load()+shed.Load()+cancelled.Load(), uint64(workers*calls); got != want {
		t.Fatalf("calls that ended: got %d, want %d", got, want)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A context that had ended before the call is not counted in Stats;
	// one that ended while the call waited is Cancelled.
	if st.Accepted != admitted.Load() || st.Rejected != shed.Load() || st.Cancelled > cancelled.Load() {
		t.Fatalf("stats: accepted %d rejected %d cancelled %d; callers saw %d, %d, %d", st.Accepted, st.Rejected, st.Cancelled, admitted.Load(), shed.Load(), cancelled.Load())
	}
	if st.InFlight != 0 || st.Waiting != 0 || st.Misused != 0 {
		t.Fatalf("after the run: in flight %d, waiting %d, misused %d, want 0", st.InFlight, st.Waiting, st.Misused)
	}
	t.Logf("admitted %d, shed %d %v, cancelled %d (%d while waiting), peak %d", admitted.Load(), shed.Load(), st.RejectedBy, cancelled.Load(), st.Cancelled, peak.Load())
}
