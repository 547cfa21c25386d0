package redis_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/adapters/redis"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// cluster is a Redis Cluster of three masters (no replicas), each a
// redis-server of the test's own on free ports, created with redis-cli
// --cluster create. Every slot stays served while one master is down
// (cluster-require-full-coverage no), so a test can fail one.
type cluster struct {
	t     *testing.T
	nodes []*server
	ids   []string // node IDs, by index of nodes
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("Redis Cluster test: %s is not installed", bin)
		}
	}
	dir := t.TempDir()
	c := &cluster{t: t}
	addrs := make([]string, 3)
	for i := range 3 {
		port := redistest.FreePort(t)
		s := startServer(t, port, "--cluster-enabled", "yes", "--cluster-port", fmt.Sprint(redistest.FreePort(t)),
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", port)), "--dir", dir,
			"--cluster-node-timeout", "1000", "--cluster-require-full-coverage", "no")
		c.nodes = append(c.nodes, s)
		addrs[i] = s.addr()
	}
	out, err := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, s := range c.nodes {
		n := s.client(t)
		id, err := n.ClusterMyID(context.Background()).Result()
		if err != nil {
			t.Fatal(err)
		}
		c.ids = append(c.ids, id)
		c.waitState(n, "ok")
	}
	return c
}

// waitState polls node until it reports cluster_state:state: the nodes
// agree through their own gossip, which no clock of ours decides.
func (c *cluster) waitState(node *goredis.Client, state string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, err := node.ClusterInfo(context.Background()).Result()
		if err == nil && strings.Contains(info, "cluster_state:"+state) {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("cluster_state never became %s: %v %s", state, err, info)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client returns a cluster client that honours context deadlines.
func (c *cluster) client() *goredis.ClusterClient {
	addrs := make([]string, len(c.nodes))
	for i, s := range c.nodes {
		addrs[i] = s.addr()
	}
	cc := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true,
		DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	c.t.Cleanup(func() { cc.Close() })
	return cc
}

// owner returns the index of the node that serves slot.
func (c *cluster) owner(slot uint16) int {
	c.t.Helper()
	for _, s := range c.nodes {
		if !s.Running() {
			continue
		}
		slots, err := s.client(c.t).ClusterSlots(context.Background()).Result()
		if err != nil {
			continue
		}
		for _, r := range slots {
			if int(slot) >= r.Start && int(slot) <= r.End {
				for j, s := range c.nodes {
					if r.Nodes[0].Addr == s.addr() {
						return j
					}
				}
			}
		}
		break // one live node's map answers
	}
	c.t.Fatalf("no node serves slot %d", slot)
	return -1
}

// keyOn returns a key of the form prefix+N whose slot node i serves.
func (c *cluster) keyOn(i int, prefix string) string {
	c.t.Helper()
	for n := 0; ; n++ {
		k := fmt.Sprint(prefix, n)
		s, _ := slot(k)
		if c.owner(s) == i {
			return k
		}
	}
}

// TestCluster runs the Redis limiter on a three-master Redis Cluster.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	c := startCluster(t)
	ctx := context.Background()
	timeout := 2 * time.Second
	newLimiter := func(t *testing.T, alg ratelimit.Algorithm, mode redis.FailMode) (*redis.Limiter, *engine.FakeClock) {
		clock := engine.NewFakeClock(epoch)
		l, err := redis.New(newEngine(t, clock), "api", c.client(), redis.Config{Algorithm: alg, FailMode: mode,
			Now: clock.Now, Prefix: fmt.Sprint(t.Name(), "/", alg, "/", mode), Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		return l, clock
	}

	// Every key, whatever its bytes, keeps a decision's keys in one slot:
	// no CROSSSLOT, which FailClosed would turn into a refusal.
	t.Run("any key", func(t *testing.T) {
		keys := []string{"", "}", "{", "{}", "}{", "a{b}c", "line\nbreak", "#", "%x", "user_123", "\x00\xff", strings.Repeat("k", 1<<20)}
		for _, a := range algorithms {
			l, _ := newLimiter(t, a.alg, redis.FailClosed)
			for _, k := range keys {
				got := 0
				for range 4 {
					err := l.Allow(ctx, k, "2/minute")
					switch {
					case err == nil:
						got++
					case !errors.Is(err, ratelimit.ErrLimited) || messages.Undecided(err):
						t.Fatalf("%s, key %.20q: %v", a.name, k, err)
					}
				}
				if got != 2 {
					t.Errorf("%s, key %.20q: 2/minute over 4 calls admitted %d", a.name, k, got)
				}
			}
			if st := stats(t, l); st.BackendErrors != 0 {
				t.Errorf("%s: %d backend errors", a.name, st.BackendErrors)
			}
		}
	})

	// A slot moves to another master while the limiter decides on it: the
	// decisions follow ASK and MOVED, and the key's state moves with it.
	t.Run("resharding", func(t *testing.T) {
		for _, a := range algorithms {
			l, _ := newLimiter(t, a.alg, redis.FailClosed)
			key := c.keyOn(0, "moving-"+a.name+"-")
			s, _ := slot(key)
			from, to := c.nodes[0].client(t), c.nodes[1].client(t)
			allow := func(stage string, want bool) {
				t.Helper()
				err := l.Allow(ctx, key, "3/minute")
				if (err == nil) != want || (err != nil && (!errors.Is(err, ratelimit.ErrLimited) || messages.Undecided(err))) {
					t.Fatalf("%s, %s: got %v, want admitted %v", a.name, stage, err, want)
				}
			}
			allow("before", true)
			must(t, to.Do(ctx, "CLUSTER", "SETSLOT", s, "IMPORTING", c.ids[0]).Err())
			must(t, from.Do(ctx, "CLUSTER", "SETSLOT", s, "MIGRATING", c.ids[1]).Err())
			allow("slot migrating, keys on the old master", true)
			keys, err := from.ClusterGetKeysInSlot(ctx, int(s), 100).Result()
			must(t, err)
			if len(keys) == 0 {
				t.Fatalf("%s: no key of the decision in slot %d", a.name, s)
			}
			args := []any{"MIGRATE", "127.0.0.1", c.nodes[1].Port, "", 0, 5000, "KEYS"}
			for _, k := range keys {
				args = append(args, k)
			}
			must(t, from.Do(ctx, args...).Err())
			allow("slot migrating, keys on the new master (ASK)", true)
			for i := range c.nodes {
				must(t, c.nodes[i].client(t).Do(ctx, "CLUSTER", "SETSLOT", s, "NODE", c.ids[1]).Err())
			}
			allow("slot moved (MOVED)", false) // the fourth in a minute: the state moved with the slot
			if n, err := to.Exists(ctx, keys...).Result(); err != nil || n != int64(len(keys)) {
				t.Fatalf("%s: the new master holds %d of the %d keys (%v)", a.name, n, len(keys), err)
			}
		}
	})

	// A master fails: its keys are decided by the fail mode, the other
	// masters' keys exactly, and the limiter recovers by itself when the
	// master returns.
	t.Run("failed master", func(t *testing.T) {
		timeout = 500 * time.Millisecond // a decision on the failed master waits this long at most
		open, _ := newLimiter(t, ratelimit.GCRA, redis.FailOpen)
		closed, _ := newLimiter(t, ratelimit.GCRA, redis.FailClosed)
		deadKey, liveKey := c.keyOn(2, "dead-"), c.keyOn(0, "live-")
		for _, l := range []*redis.Limiter{open, closed} { // the clients load the slot map while every master is up
			if err := l.Allow(ctx, "warm-up", "1/minute"); err != nil {
				t.Fatal(err)
			}
		}
		c.nodes[2].stop()
		failed := time.Now()
		for _, tc := range []struct {
			name string
			l    *redis.Limiter
		}{{"open", open}, {"closed", closed}} {
			got := 0
			for range 3 {
				if tc.l.Allow(ctx, liveKey, "2/minute") == nil {
					got++
				}
			}
			if got != 2 {
				t.Errorf("%s: a live master's key, 2/minute over 3 calls: admitted %d", tc.name, got)
			}
		}
		for range 3 {
			start := time.Now()
			if err := open.Allow(ctx, deadKey, "1/minute"); err != nil {
				t.Fatalf("open, the failed master's key: got %v, want admitted", err)
			}
			if took := time.Since(start); took > timeout+time.Second { // slack: a shared, raced machine
				t.Fatalf("a decision on the failed master took %v; Config.Timeout is %v", took, timeout)
			}
			var rej *messages.RejectedError
			if err := closed.Allow(ctx, deadKey, "1/minute"); !errors.As(err, &rej) || rej.Reason != redis.ReasonBackendUnavailable {
				t.Fatalf("closed, the failed master's key: got %v, want %s", err, redis.ReasonBackendUnavailable)
			}
		}
		if st := stats(t, open); st.FailedOpen != 3 || st.BackendErrors != 3 || st.Accepted != 6 {
			t.Errorf("open: stats %+v, want 6 accepted (3 failed open)", st)
		}
		if st := stats(t, closed); st.RejectedBy[redis.ReasonBackendUnavailable] != 3 {
			t.Errorf("closed: stats %+v, want 3 refusals for %s", st, redis.ReasonBackendUnavailable)
		}
		// The master returns with its slots (its nodes.conf) and no data.
		t.Logf("the failed master's keys decided by the fail mode after %v", time.Since(failed))
		c.nodes[2].start()
		back := time.Now()
		c.waitState(c.nodes[0].client(t), "ok")
		deadline := time.Now().Add(20 * time.Second)
		for closed.Allow(ctx, deadKey, "1/minute") != nil { // the client refreshes its slot map
			if time.Now().After(deadline) {
				t.Fatal("the limiter did not recover when the master returned")
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("recovered %v after the master returned", time.Since(back))
		if err := closed.Allow(ctx, deadKey, "1/minute"); !errors.Is(err, ratelimit.ErrLimited) || messages.Undecided(err) {
			t.Fatalf("after recovery: got %v, want %s", err, ratelimit.ReasonExceeded)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
