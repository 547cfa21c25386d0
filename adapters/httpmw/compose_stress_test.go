package httpmw_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/timeout"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// Dozens of clients on the real clock through Compose with a bulkhead
// under an abandoning timeout, handlers that ignore their context: never
// more handlers run than the bulkhead's slots (an abandoned handler keeps
// its slot until it returns), every request gets exactly one answer —
// 200, the bulkhead's 503 or the timeout's 504 — and every handler that
// ran is answered 200 or 504; the race detector watches the late writes.
func TestComposeStress(t *testing.T) {
	if testing.Short() {
		t.Skip("stress")
	}
	const slots, clients, each = 4, 48, 25
	eng := newEngine(t)
	bh := &countingGuard{g: must(bulkhead.New(eng, "stress", bulkhead.Config{MaxInFlight: slots}))}
	to := must(timeout.New(eng, "stress", timeout.Config{Timeout: 3 * time.Millisecond}))
	mw := must(httpmw.Compose(engine.Policies[httpmw.Served]{Timeout: timeout.For[httpmw.Served](to), Admission: []engine.Guard{bh}}, httpmw.Options{}))
	var running, peak, ran atomic.Int64
	srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran.Add(1)
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(time.Duration(rand.IntN(6)) * time.Millisecond) // ignores its context
		w.Header().Set("X-Handler", "1")
		io.WriteString(w, "ok")
	})))
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
	var codes [600]atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[resp.StatusCode].Add(1)
			}
		})
	}
	wg.Wait()
	// Abandoned handlers finish on their own: wait until every permit is
	// back (each is released after its handler returned).
	for deadline := time.Now().Add(5 * time.Second); bh.acquired.Load() != bh.released.Load(); {
		if time.Now().After(deadline) {
			t.Fatalf("%d permits acquired, %d released", bh.acquired.Load(), bh.released.Load())
		}
		time.Sleep(time.Millisecond) // polls a count, not a timing guess
	}
	ok, full, late := codes[200].Load(), codes[503].Load(), codes[504].Load()
	if ok+full+late != clients*each {
		t.Fatalf("answers: %d 200, %d 503, %d 504, want %d in all", ok, full, late, clients*each)
	}
	if peak.Load() > slots {
		t.Fatalf("%d handlers ran at once, the bulkhead has %d slots", peak.Load(), slots)
	}
	if ran.Load() < ok || ran.Load() > ok+late {
		t.Fatalf("%d handlers ran for %d 200s and %d 504s", ran.Load(), ok, late)
	}
	if ok == 0 || full == 0 || late == 0 {
		t.Logf("not every path taken: %d 200, %d 503, %d 504", ok, full, late)
	}
}

// countingGuard counts the permits g grants and the releases.
type countingGuard struct {
	g                  engine.Guard
	acquired, released atomic.Int64
}

func (c *countingGuard) Acquire(ctx context.Context) (engine.Permit, error) {
	p, err := c.g.Acquire(ctx)
	if err == nil {
		c.acquired.Add(1)
	}
	return p, err
}

func (c *countingGuard) Release(p engine.Permit, o messages.Outcome) {
	c.released.Add(1)
	c.g.Release(p, o)
}
