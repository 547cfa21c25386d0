package dashboard_test

import (
	"bufio"
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/eventstream"
)

// A client that stops reading is disconnected once a write stalls for
// WriteTimeout, and the events it could not take are counted. (Publishing
// never waits for a client: every hand-over on the way is a non-blocking
// send into a bounded buffer.)
func TestSlowClientIsDroppedNotWaitedFor(t *testing.T) {
	eng := enginetest.Start(t)
	h, srv := serve(t, eng, dashboard.Options{ClientBuffer: 4, WriteTimeout: 100 * time.Millisecond})
	u, _ := url.Parse(srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(line, ": connected") {
			break
		}
	}
	// From here on the client reads nothing.
	big := strings.Repeat("x", 4096)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for h.Clients() != 0 {
		if ctx.Err() != nil {
			t.Fatalf("a client that reads nothing is still connected after 10s")
		}
		for range 100 {
			eng.Publish(eventstream.Event{Type: eventstream.EventCallFailure, Pattern: "circuitbreaker", Name: "flood", Fields: eventstream.Fields{Limit: big}})
		}
		time.Sleep(time.Millisecond) // let the server's writer run
	}
	if h.Dropped() == 0 {
		t.Errorf("Dropped: got 0, want the events the stalled client missed")
	}
}
