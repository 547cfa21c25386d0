package redisbreaker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/bulwark-go/bulwark/actors/circuitbreaker"
	"github.com/bulwark-go/bulwark/adapters/internal/redistest"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/messages"
)

// The environment of a child process of TestFourProcesses.
const (
	envChild  = "REDISBREAKER_CHILD"
	envAddr   = "REDISBREAKER_ADDR"
	envPrefix = "REDISBREAKER_PREFIX"
	envHang   = "REDISBREAKER_HANG"
)

// childConfig is the shared breaker of every child.
func childConfig(prefix string) Config {
	return Config{Prefix: prefix, FlushInterval: 50 * time.Millisecond, Timeout: time.Second,
		Breaker: circuitbreaker.Config{FailureThreshold: 40, RecoveryTimeout: 300 * time.Millisecond,
			HalfOpenMaxCalls: 2, SuccessThreshold: 4, HalfOpenLease: time.Second}}
}

// TestChild is one process of TestFourProcesses (the test binary run
// again): eight goroutines call a backend that fails while the Redis key
// <prefix>:down is "1", through the shared breaker, until stdin closes. It
// prints "state <state> <unix ns>" at each change of the shared state it
// sees and "trial <start ns> <end ns>" for each half-open trial; with
// REDISBREAKER_HANG its trials never return ("hung <start ns>"); without,
// it takes no trial while the key <prefix>:hold is "1".
func TestChild(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("a child process of TestFourProcesses")
	}
	prefix := os.Getenv(envPrefix)
	eng, err := engine.New()
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Shutdown(context.Background())
	client := goredis.NewClient(&goredis.Options{Addr: os.Getenv(envAddr), ContextTimeoutEnabled: true})
	defer client.Close()
	b, err := New(eng, "shared", client, childConfig(prefix))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	hang := os.Getenv(envHang) != ""
	errDown := errors.New("backend down")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if s, _ := b.State(); !hang && s != circuitbreaker.Closed && client.Get(context.Background(), prefix+":hold").Val() == "1" {
					time.Sleep(time.Millisecond) // the parent lets the hanging child take a trial first
					continue
				}
				p, err := b.Acquire(context.Background())
				if err != nil {
					time.Sleep(time.Millisecond) // a refused caller comes back later
					continue
				}
				start := time.Now().UnixNano()
				if p.Token < 1<<48 && hang {
					say("hung %d", start)
					<-done
					return
				}
				err = nil
				if client.Get(context.Background(), prefix+":down").Val() == "1" {
					err = errDown
				}
				if p.Token < 1<<48 {
					say("trial %d %d", start, time.Now().UnixNano())
				}
				o := messages.Success
				if err != nil {
					o = messages.Failure
				}
				b.Release(p, o)
			}
		})
	}
	last := circuitbreaker.Stopped
	for {
		if s, _ := b.State(); s != last {
			say("state %s %d", s, time.Now().UnixNano())
			last = s
		}
		select {
		case <-done:
			wg.Wait()
			return
		case <-time.After(time.Millisecond): // watching the shared state as a user would
		}
	}
}

// line is one line a child printed.
type line struct {
	child  int
	fields []string
}

// TestFourProcesses: four OS processes share a breaker on a real
// redis-server. A backend failing for all of them opens the circuit in all
// within one FlushInterval plus a round trip of the trip (measured); in
// HALF_OPEN at most HalfOpenMaxCalls trials run across the processes; a
// process killed while it holds a trial lease does not wedge the circuit:
// its lease is reclaimed and the others close it.
func TestFourProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four processes")
	}
	srv := redistest.Start(t, 0)
	admin := srv.Client(t, nil)
	ctx := context.Background()
	prefix := "four"
	sub := admin.Subscribe(ctx, prefix+":{shared}:events")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	lines := make(chan line, 1024)
	children := make([]*exec.Cmd, 4)
	stdins := make([]io.WriteCloser, 4)
	for i := range children {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChild+"=1", envAddr+"="+srv.Addr(), envPrefix+"="+prefix)
		if i == 0 {
			cmd.Env = append(cmd.Env, envHang+"=1")
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if stdins[i], err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children[i] = cmd
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- line{child: i, fields: strings.Fields(sc.Text())}
			}
		}()
	}
	t.Cleanup(func() {
		for i, c := range children {
			stdins[i].Close()
			if c.ProcessState == nil {
				_ = c.Wait()
			}
		}
	})
	// next returns the next line that match accepts, failing after d.
	var all []line
	next := func(d time.Duration, what string, match func(line) bool) line {
		t.Helper()
		timeout := time.After(d)
		for {
			select {
			case l := <-lines:
				all = append(all, l)
				if match(l) {
					return l
				}
			case <-timeout:
				t.Fatalf("no %s within %v", what, d)
			}
		}
	}
	state := func(s string) func(line) bool {
		return func(l line) bool { return l.fields[0] == "state" && l.fields[1] == s }
	}
	for range children {
		next(10*time.Second, "child start", state("closed"))
	}

	// The backend fails for everyone: the shared circuit opens in all.
	if err := admin.Set(ctx, prefix+":down", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveMessage(ctx)
	tripped := time.Now().UnixNano()
	if err != nil || !strings.HasPrefix(msg.Payload, "open ") {
		t.Fatalf("the trip: got %v, %v", msg, err)
	}
	var lags []time.Duration
	seen := map[int]bool{}
	for len(seen) < len(children) {
		l := next(10*time.Second, "open in every process", state("open"))
		if !seen[l.child] {
			seen[l.child] = true
			at, _ := strconv.ParseInt(l.fields[2], 10, 64)
			lags = append(lags, time.Duration(at-tripped))
		}
	}
	slices.Sort(lags)
	t.Logf("%q: the processes followed after %v (FlushInterval %v)", msg.Payload, lags, childConfig("").FlushInterval)
	if worst := lags[len(lags)-1]; worst > childConfig("").FlushInterval+500*time.Millisecond { // slack: a shared, raced machine
		t.Errorf("the last process followed after %v", worst)
	}

	// The backend returns. Child 0's trials hang; once it holds one it is
	// killed: its lease must be reclaimed, and the others close the circuit.
	if err := admin.MSet(ctx, prefix+":hold", "1", prefix+":down", "0").Err(); err != nil {
		t.Fatal(err)
	}
	hung := next(20*time.Second, "a trial of child 0", func(l line) bool { return l.fields[0] == "hung" })
	_ = children[0].Process.Kill()
	_ = children[0].Wait()
	killed := time.Now().UnixNano()
	if err := admin.Set(ctx, prefix+":hold", "0", 0).Err(); err != nil {
		t.Fatal(err)
	}
	closed := map[int]bool{}
	for len(closed) < len(children)-1 {
		l := next(20*time.Second, "closed in every live process", state("closed"))
		closed[l.child] = true
	}
	t.Logf("child 0 killed holding a trial; the others closed the circuit %v later", time.Duration(time.Now().UnixNano()-killed))

	// At most HalfOpenMaxCalls trials ran at once, across the processes
	// (the killed child's from its start until it was killed).
	type edge struct {
		at    int64
		delta int
	}
	start, _ := strconv.ParseInt(hung.fields[1], 10, 64)
	edges := []edge{{start, 1}, {killed, -1}}
	for _, l := range all {
		if l.fields[0] == "trial" {
			a, _ := strconv.ParseInt(l.fields[1], 10, 64)
			b, _ := strconv.ParseInt(l.fields[2], 10, 64)
			edges = append(edges, edge{a, 1}, edge{b, -1})
		}
	}
	slices.SortFunc(edges, func(x, y edge) int {
		if x.at != y.at {
			return int(x.at - y.at)
		}
		return x.delta - y.delta // an end before a start at the same instant
	})
	n, peak := 0, 0
	for _, e := range edges {
		n += e.delta
		peak = max(peak, n)
	}
	t.Logf("%d trials, at most %d at once", len(edges)/2, peak)
	if peak > childConfig("").Breaker.HalfOpenMaxCalls {
		t.Errorf("%d trials ran at once across the processes; HalfOpenMaxCalls is %d", peak, childConfig("").Breaker.HalfOpenMaxCalls)
	}
}
