package peers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/bulwark-go/bulwark/adapters/redisbreaker"
)

// Side by side: a no-op through a closed breaker shared on one Redis,
// Bulwark's adapters/redisbreaker (the local breaker decides, outcomes
// flushed in batches) against sony/gobreaker/v2's distributed breaker
// (state read, lock, state written and lock released around every call).
// Each reports the Redis commands its client sent per call (redis-cmds/op)
// and the calls that returned an error (failed/op). Skipped when no Redis
// answers on redisBenchAddr.

const redisBenchAddr = "127.0.0.1:6379"

// cmdCounter is a go-redis hook counting the commands its client sends.
type cmdCounter struct{ n atomic.Int64 }

func (c *cmdCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (c *cmdCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c *cmdCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// benchRedis returns a client of the Redis on redisBenchAddr with a command
// counter, a key prefix no other run uses (its keys are deleted at the
// end), or skips the benchmark when that Redis does not answer.
func benchRedis(b *testing.B) (*goredis.Client, *cmdCounter, string) {
	b.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: redisBenchAddr, DialTimeout: 200 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		b.Skipf("no Redis on %s: %v", redisBenchAddr, err)
	}
	prefix := fmt.Sprintf("bench-redisbreaker-%d", time.Now().UnixNano())
	b.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, "*"+prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			_ = c.Del(ctx, iter.Val()).Err()
		}
		_ = c.Close()
	})
	n := &cmdCounter{}
	c.AddHook(n)
	return c, n, prefix
}

// redisStore is the gobreaker.SharedDataStore the distributed breaker
// needs, on go-redis: Lock is SET NX PX with a random token, Unlock
// deletes the key only while it still holds that token (one Lua script).
// One store serves one process; the lock in Redis lets one holder at a
// time, so the store keeps the token of the lock it holds per name.
type redisStore struct {
	c      *goredis.Client
	mu     sync.Mutex
	tokens map[string]string
	seq    atomic.Uint64
}

// redisLockTTL bounds how long a dead holder keeps the lock; gobreaker
// gives up waiting for it after 5 s.
const redisLockTTL = 5 * time.Second

var redisUnlock = goredis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

var errNotLocked = errors.New("redisStore: lock not held")

func newRedisStore(c *goredis.Client) *redisStore {
	return &redisStore{c: c, tokens: map[string]string{}}
}

func (s *redisStore) Lock(name string) error {
	tok := fmt.Sprintf("%d-%d", time.Now().UnixNano(), s.seq.Add(1))
	ok, err := s.c.SetNX(context.Background(), name, tok, redisLockTTL).Result()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("redisStore: %q is locked", name)
	}
	s.mu.Lock()
	s.tokens[name] = tok
	s.mu.Unlock()
	return nil
}

func (s *redisStore) Unlock(name string) error {
	s.mu.Lock()
	tok, ok := s.tokens[name]
	delete(s.tokens, name)
	s.mu.Unlock()
	if !ok {
		return errNotLocked
	}
	n, err := redisUnlock.Run(context.Background(), s.c, []string{name}, tok).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotLocked
	}
	return nil
}

func (s *redisStore) GetData(name string) ([]byte, error) {
	data, err := s.c.Get(context.Background(), name).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	return data, err
}

func (s *redisStore) SetData(name string, data []byte) error {
	return s.c.Set(context.Background(), name, data, 0).Err()
}

// runRedisBreaker runs call in RunParallel and reports the commands n
// counted and the failed calls per call.
func runRedisBreaker(b *testing.B, n *cmdCounter, call func() error) {
	b.Helper()
	var failed atomic.Int64
	b.ResetTimer()
	start := n.n.Load()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if call() != nil {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(n.n.Load()-start)/float64(b.N), "redis-cmds/op")
	b.ReportMetric(float64(failed.Load())/float64(b.N), "failed/op")
}

func BenchmarkRedisBreaker(b *testing.B) {
	b.Run("bulwark", func(b *testing.B) {
		c, n, prefix := benchRedis(b)
		br, err := redisbreaker.New(clEngine(b), "bench", c, redisbreaker.Config{Prefix: prefix})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		runRedisBreaker(b, n, func() error { return br.Execute(ctx, cbNoop) })
	})
	b.Run("gobreaker", func(b *testing.B) {
		c, n, prefix := benchRedis(b)
		cb, err := gobreaker.NewDistributedCircuitBreaker[struct{}](newRedisStore(c), gobreaker.Settings{Name: prefix})
		if err != nil {
			b.Fatal(err)
		}
		noop := func() (struct{}, error) { return struct{}{}, nil }
		runRedisBreaker(b, n, func() error { _, err := cb.Execute(noop); return err })
	})
}
