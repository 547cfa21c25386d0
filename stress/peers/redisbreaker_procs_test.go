//go:build unix

package peers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/bits"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"

	"github.com/bulwark-go/bulwark/adapters/redisbreaker"
	"github.com/bulwark-go/bulwark/engine"
)

// BenchmarkRedisBreaker4Proc/{bulwark,gobreaker}: the side-by-side
// test of a shared breaker past one process. Four OS processes (this test
// binary run again, TestRedisBreaker4ProcChild) of fourProcGoroutines
// goroutines each call a no-op through one closed breaker shared on one
// redis-server of the benchmark's own (started on a free port: gobreaker's
// lock floods it), for fourProcWindow; the processes get the benchmark's
// GOMAXPROCS. Bulwark is adapters/redisbreaker; the peer is
// sony/gobreaker/v2's DistributedCircuitBreaker on the redisStore of
// redisbreaker_test.go, with a connection per goroutine (PoolSize).
//
// Each sub-benchmark runs one window whatever b.N and reports, over the
// calls that returned within the window, across the four processes:
//
//	ns/op            wall time per call: 1 / the cluster's throughput
//	calls/s          the throughput
//	redis-cmds/op    the commands the four clients sent per call
//	cpu-ns/op        the four processes' CPU time (user+sys) per call
//	redis-cpu-ns/op  the redis-server's CPU time per call
//	p50-ns, p99-ns   the latency of one call
//	failed/op        the calls that returned an error
//	B/op, allocs/op  allocated in the four processes per call
//
// compare.sh names it pattern redisbreaker-4proc.
func BenchmarkRedisBreaker4Proc(b *testing.B) {
	addr := startBenchRedisServer(b)
	for _, impl := range []string{"bulwark", "gobreaker"} {
		b.Run(impl, func(b *testing.B) { runFourProcs(b, addr, impl) })
	}
}

const (
	fourProcs          = 4
	fourProcGoroutines = 100
	// fourProcWindow is several of gobreaker's lock retry intervals
	// (500 ms), so its callers reach their steady state.
	fourProcWindow = 2 * time.Second
)

// The environment of a child process.
const (
	env4Impl   = "BULWARK_4PROC_IMPL"
	env4Addr   = "BULWARK_4PROC_ADDR"
	env4Prefix = "BULWARK_4PROC_PREFIX"
)

// startBenchRedisServer starts a redis-server on a free port, killed when
// b ends, and returns its address; b is skipped without redis-server.
func startBenchRedisServer(b *testing.B) string {
	b.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		b.Skip("redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil { // the process is starting
		if time.Now().After(deadline) {
			b.Fatalf("redis-server on %s did not answer", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return addr
}

// fourProcRun numbers the runs, so that no run meets another's keys.
var fourProcRun atomic.Int64

// runFourProcs starts the four children of impl, releases them together
// for fourProcWindow, stops them and reports what they measured.
func runFourProcs(b *testing.B, addr, impl string) {
	b.StopTimer()
	prefix := fmt.Sprintf("4proc-%s-%d", impl, fourProcRun.Add(1))
	admin := goredis.NewClient(&goredis.Options{Addr: addr})
	defer admin.Close()

	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		lines chan []string
	}
	children := make([]*child, fourProcs)
	defer func() {
		for _, c := range children {
			if c == nil {
				continue
			}
			_ = c.stdin.Close()
			exited := make(chan struct{})
			go func() { _ = c.cmd.Wait(); close(exited) }()
			select {
			case <-exited:
			case <-time.After(time.Second): // a gobreaker caller still sleeps on the lock
				_ = c.cmd.Process.Kill()
				<-exited
			}
		}
	}()
	for i := range children {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRedisBreaker4ProcChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), env4Impl+"="+impl, env4Addr+"="+addr, env4Prefix+"="+prefix,
			"GOMAXPROCS="+strconv.Itoa(runtime.GOMAXPROCS(0)))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		c := &child{cmd: cmd, stdin: stdin, lines: make(chan []string, 4)}
		children[i] = c
		go func() {
			defer close(c.lines)
			sc := bufio.NewScanner(stdout)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) > 0 && f[0] == "4proc" {
					c.lines <- f[1:]
				}
			}
			_, _ = io.Copy(io.Discard, stdout)
		}()
	}
	next := func(c *child, what string) []string {
		b.Helper()
		select {
		case f, ok := <-c.lines:
			if !ok || f[0] != what {
				b.Fatalf("a child of %s: want %q, got %q (exited: %v)", impl, what, f, !ok)
			}
			return f[1:]
		case <-time.After(30 * time.Second):
			b.Fatalf("a child of %s: no %q within 30s", impl, what)
		}
		return nil
	}
	for _, c := range children {
		next(c, "ready")
	}

	cpu0 := redisCPU(b, admin)
	for _, c := range children {
		_, _ = io.WriteString(c.stdin, "go\n")
	}
	b.StartTimer()
	time.Sleep(fourProcWindow) // the measured window: a benchmark's duration, not a guess at timing
	b.StopTimer()
	for _, c := range children {
		_, _ = io.WriteString(c.stdin, "stop\n")
	}
	cpu1 := redisCPU(b, admin)

	var hist fourProcHist
	var calls, failed, cmds, cpuNs, allocs, bytes uint64
	var perSec float64
	for _, c := range children {
		f := next(c, "done")
		v := make([]uint64, len(f)-1)
		for i, s := range f[1:] {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				b.Fatalf("done line %q: %v", f, err)
			}
			v[i] = n
		}
		window := time.Duration(v[0])
		calls += v[1]
		failed += v[2]
		cmds += v[3]
		cpuNs += v[4]
		allocs += v[5]
		bytes += v[6]
		perSec += float64(v[1]) / window.Seconds()
		hist.parse(b, f[0])
	}
	if calls == 0 {
		b.Fatalf("%s: no call returned within %v", impl, fourProcWindow)
	}
	n := float64(calls)
	b.ReportMetric(1e9/perSec, "ns/op")
	b.ReportMetric(perSec, "calls/s")
	b.ReportMetric(float64(cmds)/n, "redis-cmds/op")
	b.ReportMetric(float64(cpuNs)/n, "cpu-ns/op")
	b.ReportMetric(float64(cpu1-cpu0)/n, "redis-cpu-ns/op")
	b.ReportMetric(float64(hist.quantile(0.50)), "p50-ns")
	b.ReportMetric(float64(hist.quantile(0.99)), "p99-ns")
	b.ReportMetric(float64(failed)/n, "failed/op")
	b.ReportMetric(float64(bytes)/n, "B/op")
	b.ReportMetric(float64(allocs)/n, "allocs/op")
}

// redisCPU returns the redis-server's CPU time so far (user+sys), in ns.
func redisCPU(b *testing.B, c *goredis.Client) uint64 {
	b.Helper()
	info, err := c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var ns uint64
	for _, l := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			s, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("INFO cpu %q: %v", l, err)
			}
			ns += uint64(s * 1e9)
		}
	}
	return ns
}

// fourProcHist counts latencies in buckets of 1/8 of a power of two (at
// most 12.5% wide): bucket i < 8 is i ns, bucket (e-4)*8+m (8 <= m < 16)
// holds [m<<(e-4), (m+1)<<(e-4)) for e = bits.Len64(ns).
type fourProcHist [61*8 + 16]uint64

func fourProcBucket(ns int64) int {
	if ns < 8 {
		return int(max(ns, 0))
	}
	e := bits.Len64(uint64(ns))
	return (e-4)*8 + int(uint64(ns)>>(e-4))
}

// quantile returns the upper bound of the bucket holding the q-quantile.
func (h *fourProcHist) quantile(q float64) time.Duration {
	var total uint64
	for _, n := range h {
		total += n
	}
	rank := uint64(q * float64(total))
	var seen uint64
	for i, n := range h {
		seen += n
		if n > 0 && seen > rank {
			if i < 8 {
				return time.Duration(i)
			}
			e, m := i/8+3, i%8+8 // bits.Len64 and the top four bits
			return time.Duration((m + 1) << (e - 4))
		}
	}
	return 0
}

func (h *fourProcHist) String() string {
	var s []string
	for i, n := range h {
		if n > 0 {
			s = append(s, fmt.Sprintf("%d:%d", i, n))
		}
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}

func (h *fourProcHist) parse(b *testing.B, s string) {
	b.Helper()
	if s == "-" {
		return
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, ":")
		i, err1 := strconv.Atoi(k)
		n, err2 := strconv.ParseUint(v, 10, 64)
		if err1 != nil || err2 != nil || i < 0 || i >= len(h) {
			b.Fatalf("histogram %q", s)
		}
		h[i] += n
	}
}

// fourProcCaller is one goroutine's counts, written by it alone.
type fourProcCaller struct {
	calls, failed atomic.Uint64
	hist          [len(fourProcHist{})]atomic.Uint64
	_             [64]byte
}

// TestRedisBreaker4ProcChild is one process of BenchmarkRedisBreaker4Proc
// (skipped otherwise). It builds the breaker, says "4proc ready", and on
// "go" (stdin) releases fourProcGoroutines callers; on "stop" it prints
// "4proc done <histogram> <window ns> <calls> <failed> <redis commands>
// <cpu ns> <allocs> <bytes>", counting the calls that returned before the
// stop, and ends when stdin closes.
func TestRedisBreaker4ProcChild(t *testing.T) {
	impl := os.Getenv(env4Impl)
	if impl == "" {
		t.Skip("a child process of BenchmarkRedisBreaker4Proc")
	}
	prefix := os.Getenv(env4Prefix)
	client := goredis.NewClient(&goredis.Options{Addr: os.Getenv(env4Addr), ContextTimeoutEnabled: true,
		PoolSize: fourProcGoroutines})
	defer client.Close()
	n := &cmdCounter{}
	client.AddHook(n)
	ctx := context.Background()
	var call func() error
	switch impl {
	case "bulwark":
		eng, err := engine.New()
		if err != nil {
			t.Fatal(err)
		}
		defer eng.Shutdown(context.Background())
		br, err := redisbreaker.New(eng, "bench4", client, redisbreaker.Config{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		if err := br.Sync(ctx); err != nil { // joined: the shared state read once
			t.Fatal(err)
		}
		call = func() error { return br.Execute(ctx, cbNoop) }
	case "gobreaker":
		cb, err := gobreaker.NewDistributedCircuitBreaker[struct{}](newRedisStore(client), gobreaker.Settings{Name: prefix})
		if err != nil {
			t.Fatal(err)
		}
		noop := func() (struct{}, error) { return struct{}{}, nil }
		call = func() error { _, err := cb.Execute(noop); return err }
	default:
		t.Fatalf("%s=%q", env4Impl, impl)
	}

	in := bufio.NewScanner(os.Stdin)
	expect := func(what string) {
		if !in.Scan() || in.Text() != what {
			t.Fatalf("stdin: want %q, got %q (%v)", what, in.Text(), in.Err())
		}
	}
	var stop atomic.Bool
	release := make(chan struct{})
	callers := make([]fourProcCaller, fourProcGoroutines)
	var wg sync.WaitGroup
	for i := range callers {
		c := &callers[i]
		wg.Go(func() {
			<-release
			for !stop.Load() {
				start := time.Now()
				err := call()
				d := time.Since(start)
				if stop.Load() {
					return // returned after the window
				}
				c.calls.Add(1)
				if err != nil {
					c.failed.Add(1)
				}
				c.hist[fourProcBucket(int64(d))].Add(1)
			}
		})
	}
	fmt.Println("4proc ready")
	expect("go")
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0, cmds0 := cpuTime(t), n.n.Load()
	start := time.Now()
	close(release)
	expect("stop")
	stop.Store(true)
	window := time.Since(start)
	cpu1, cmds1 := cpuTime(t), n.n.Load()
	runtime.ReadMemStats(&ms1)
	var hist fourProcHist
	var calls, failed uint64
	for i := range callers {
		calls += callers[i].calls.Load()
		failed += callers[i].failed.Load()
		for j := range hist {
			hist[j] += callers[i].hist[j].Load()
		}
	}
	fmt.Printf("4proc done %s %d %d %d %d %d %d %d\n", hist.String(), window, calls, failed, cmds1-cmds0, cpu1-cpu0,
		ms1.Mallocs-ms0.Mallocs, ms1.TotalAlloc-ms0.TotalAlloc)
	_, _ = io.Copy(io.Discard, os.Stdin)
	wg.Wait()
}

// cpuTime returns this process's CPU time so far (user+sys), in ns.
func cpuTime(t *testing.T) uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return uint64(ru.Utime.Nano() + ru.Stime.Nano())
}
