package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The demo answers as the README shows: two look-ups and a third, then
// the route's 429 with Retry-After and the RateLimit fields, then a 504.
func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), "", false, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"HTTP/1.1 200 OK\n{\"in_stock\":7,\"order\":\"42\"}",
		"HTTP/1.1 429 Too Many Requests\nRetry-After: ",
		"RateLimit-Policy: \"GET /orders/{id}\";q=3;w=60\n",
		"$ curl -i localhost:8080/slow\nHTTP/1.1 504 Gateway Timeout\n",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("output lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, " 200 OK"); n != 3 {
		t.Fatalf("%d answers 200, want 3:\n%s", n, got)
	}
}

// With serve it serves until its context ends, then stops everything.
func TestServeStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", true, &out) }()
	deadline := time.After(5 * time.Second)
	for !strings.Contains(out.String(), "serving on http://127.0.0.1:") {
		select {
		case <-deadline:
			t.Fatalf("no banner: %q", out.String())
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
