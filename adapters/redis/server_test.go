package redis_test

import (
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
)

// server is a redis-server of the test's own, on a free port, so that tests
// can stop and restart it to inject faults.
type server struct{ *redistest.Server }

// startServer starts redis-server on port (0: a free one) with the extra
// arguments and stops it when the test ends; it skips the test if
// redis-server is not installed.
func startServer(t testing.TB, port int, extra ...string) *server {
	t.Helper()
	return &server{redistest.Start(t, port, extra...)}
}

func (s *server) start()       { s.Start() }
func (s *server) stop()        { s.Stop() }
func (s *server) addr() string { return s.Addr() }

// client returns a client of s that the test closes. It honours context
// deadlines (ContextTimeoutEnabled), as the limiter requires.
func (s *server) client(t testing.TB) *goredis.Client { return s.Client(t, nil) }

// clientWith returns a client of s, with options changed by set from ones
// that do not honour context deadlines, that the test closes.
func (s *server) clientWith(t testing.TB, set func(*goredis.Options)) *goredis.Client {
	return s.Client(t, func(o *goredis.Options) { o.ContextTimeoutEnabled = false; set(o) })
}
