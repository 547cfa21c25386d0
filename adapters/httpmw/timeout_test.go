package httpmw_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/messages"
)

func TestTimeoutConfig(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, httpmw.LargestTimeout + 1} {
		var ce *messages.ConfigError
		if _, err := httpmw.Timeout(d); !errors.As(err, &ce) || ce.Field != "Timeout" {
			t.Errorf("Timeout(%v): got %v, want a ConfigError", d, err)
		}
	}
}

// A hung handler: the client gets a complete 504 at the deadline, the
// handler's context has ended, and its late writes are dropped; around a
// guard, the timeout is a failure.
func TestTimeoutHungHandler(t *testing.T) {
	tmo, err := httpmw.Timeout(30 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	late := make(chan error, 1)
	g := newSyncGuard()
	h := httpmw.Guard(g, httpmw.Options{})(tmo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "yes")
		<-release // ignores its context
		if r.Context().Err() != context.DeadlineExceeded {
			late <- errors.New("the handler's context did not end at the deadline")
			return
		}
		w.WriteHeader(500)
		_, err := w.Write([]byte("too late"))
		late <- err
	})))
	srv, c := server(t, h)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body) // completes while the handler still runs
	resp.Body.Close()
	close(release)
	if err != nil || resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(string(body), "bulwark: timeout") || resp.Header.Get("X-Handler") != "" {
		t.Fatalf("got %d %q %v (X-Handler %q), want a complete 504", resp.StatusCode, body, err, resp.Header.Get("X-Handler"))
	}
	if err := <-late; !errors.Is(err, http.ErrHandlerTimeout) {
		t.Fatalf("late write: got %v, want http.ErrHandlerTimeout", err)
	}
	if got := g.next(t); got != messages.Failure {
		t.Fatalf("guard outcome: got %v, want failure", got)
	}
}

// A handler that answered before the deadline keeps its response; one that
// streams past it keeps its stream and only loses its context.
func TestTimeoutAnsweredInTime(t *testing.T) {
	tmo, err := httpmw.Timeout(30 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	srv, c := server(t, tmo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", "yes")
		if r.URL.Path == "/fast" {
			w.WriteHeader(201)
			io.WriteString(w, "made")
			return
		}
		io.WriteString(w, "first ")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		io.WriteString(w, "after the deadline")
	})))
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/fast", 201, "made"},
		{"/stream", 200, "first after the deadline"},
	} {
		resp, err := c.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || string(b) != tc.body || resp.Header.Get("X-Handler") != "yes" {
			t.Fatalf("%s: got %d %q (X-Handler %q), want %d %q", tc.path, resp.StatusCode, b, resp.Header.Get("X-Handler"), tc.code, tc.body)
		}
	}
}

// Many requests whose handlers answer right around the deadline, on the
// real clock: each response is either the handler's, whole, or the 504,
// whole — never a mix — and the race detector sees no race between the
// deadline's 504 and the handler's writes.
func TestTimeoutRacesTheHandler(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock race test")
	}
	const d = 2 * time.Millisecond
	tmo, err := httpmw.Timeout(d)
	if err != nil {
		t.Fatal(err)
	}
	srv, c := server(t, tmo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d - 200*time.Microsecond + time.Duration(len(r.URL.Path)%5)*100*time.Microsecond)
		w.Header().Set("X-Handler", "yes")
		io.WriteString(w, "handler")
		w.(http.Flusher).Flush()
		io.WriteString(w, " done")
	})))
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	var timedOut, answered atomic.Int64
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(srv.URL + "/" + strings.Repeat("x", i%5))
			if err != nil {
				errs <- err
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case err != nil:
				errs <- err
			case resp.StatusCode == 200 && string(b) == "handler done" && resp.Header.Get("X-Handler") == "yes":
				answered.Add(1)
			case resp.StatusCode == 504 && strings.Contains(string(b), "bulwark: timeout") && resp.Header.Get("X-Handler") == "":
				timedOut.Add(1)
			default:
				errs <- fmt.Errorf("a mixed response: %d %q", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("answered %d, timed out %d", answered.Load(), timedOut.Load())
}

// A handler under Timeout that sets headers and returns without writing
// gets them sent with net/http's implicit 200.
func TestTimeoutKeepsHeadersOfAnEmptyResponse(t *testing.T) {
	mw, err := httpmw.Timeout(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "r-1")
	})))
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "r-1" {
		t.Fatalf("got %d, X-Request-Id %q: want 200, r-1", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
}
