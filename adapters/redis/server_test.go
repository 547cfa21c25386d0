package redis_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// server is a redis-server of the test's own, on a free port, so that tests
// can stop and restart it to inject faults.
type server struct {
	t     testing.TB
	port  int
	extra []string // more redis-server arguments
	cmd   *exec.Cmd
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts redis-server on port (0: a free one) and stops it when
// the test ends.
func startServer(t testing.TB, port int) *server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	if port == 0 {
		port = freePort(t)
	}
	s := &server{t: t, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", append([]string{"--port", fmt.Sprint(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning"}, s.extra...)...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("redis-server: %v", err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: s.addr()})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil { // the process is starting; no clock of ours decides
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %d did not answer", s.port)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *server) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// client returns a client of s that the test closes. It honours context
// deadlines (ContextTimeoutEnabled), as the limiter requires.
func (s *server) client(t testing.TB) *goredis.Client {
	return s.clientWith(t, func(o *goredis.Options) { o.ContextTimeoutEnabled = true })
}

// clientWith returns a client of s, with options changed by set, that the
// test closes.
func (s *server) clientWith(t testing.TB, set func(*goredis.Options)) *goredis.Client {
	o := &goredis.Options{Addr: s.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond}
	set(o)
	c := goredis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}
