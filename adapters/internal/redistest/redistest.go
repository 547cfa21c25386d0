// Package redistest starts redis-server processes of a test's own, on free
// ports, so that tests of the Redis adapters can stop and restart them to
// inject faults. A test that calls Start is skipped when redis-server is
// not installed. Every process is killed when its test ends.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Server is one redis-server process. It is not safe for concurrent use:
// one test drives it.
type Server struct {
	t     testing.TB
	Port  int
	extra []string
	cmd   *exec.Cmd
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts redis-server on port (0: a free one) with the extra
// arguments, waits until it answers, and kills it when the test ends.
func Start(t testing.TB, port int, extra ...string) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	if port == 0 {
		port = FreePort(t)
	}
	s := &Server{t: t, Port: port, extra: extra}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start (re)starts the process on its port and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", append([]string{"--port", fmt.Sprint(s.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning"}, s.extra...)...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redis-server: %v", err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: s.Addr()})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil { // the process is starting; no clock of ours decides
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %d did not answer", s.Port)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop kills the process (SIGKILL) and waits for it; a stopped Server may
// be started again.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Running reports whether the process was started and not stopped.
func (s *Server) Running() bool { return s.cmd != nil }

// Addr returns "127.0.0.1:port".
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// Client returns a client of s that honours context deadlines
// (ContextTimeoutEnabled), fails fast (no retries, a 200 ms dial timeout)
// and is closed when the test ends; set, if not nil, changes its options
// first.
func (s *Server) Client(t testing.TB, set func(*goredis.Options)) *goredis.Client {
	o := &goredis.Options{Addr: s.Addr(), ContextTimeoutEnabled: true, MaxRetries: -1, DialTimeout: 200 * time.Millisecond}
	if set != nil {
		set(o)
	}
	c := goredis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}
