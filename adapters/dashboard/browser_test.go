package dashboard_test

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bulwark-go/bulwark/actors/bulkhead"
	"github.com/bulwark-go/bulwark/actors/loadshed"
	"github.com/bulwark-go/bulwark/adapters/dashboard"
	"github.com/bulwark-go/bulwark/engine"
	"github.com/bulwark-go/bulwark/engine/enginetest"
	"github.com/bulwark-go/bulwark/messages"
)

// chromium returns the path of a Chromium binary: $BULWARK_CHROMIUM, or
// the first of the usual names on PATH. It skips t under -short (the test
// starts a browser) and when there is no binary.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a browser")
	}
	if p := os.Getenv("BULWARK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium binary (apt-get install chromium, or set BULWARK_CHROMIUM)")
	return ""
}

// browser starts headless Chromium for the test (closed when it ends) and
// returns its context, and a func that closes it and returns the console
// errors and warnings and the exceptions it saw.
func browser(t *testing.T, bin string) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.WindowSize(1200, 800))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// Messages are read in a goroutine of the test's own, ended with bctx.
	messages := chromedp.Console(bctx)
	var problems []string
	var reading sync.WaitGroup
	reading.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				problems = append(problems, m.String())
			}
		}
	})
	stop := func() []string {
		cancelBrowser()
		cancelAlloc()
		reading.Wait()
		return problems
	}
	t.Cleanup(func() { stop() })
	return bctx, stop
}

// The page, in headless Chromium: it loads without console errors, shows a
// tile per instance whose counters follow the calls, turns a breaker's
// tile red within a second of the breaker being forced open, and logs the
// circuit_opened event. The screenshot is written to $BULWARK_SCREENSHOT
// if set, else into the test's temporary directory.
func TestBrowserShowsABreakerForcedOpen(t *testing.T) {
	bin := chromium(t)
	eng := enginetest.Start(t)
	b := breaker(t, eng, "payments")
	breaker(t, eng, "search")
	h, srv := serve(t, eng, dashboard.Options{})
	ctx := context.Background()
	others := otherKinds(t, eng, h)

	bctx, problems := browser(t, bin)

	tile := `section.tile[data-kind="circuitbreaker"][data-name="payments"]`
	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(tile+`.ok`),
		chromedp.WaitVisible(`section.tile[data-name="search"]`),
	); err != nil {
		t.Fatalf("loading the page: %v", err)
	}

	// Every kind has its tile, showing its figures under the names /status
	// gives them.
	for _, o := range others {
		if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`(() => {
			const dt = [...document.querySelectorAll('section.tile[data-kind="`+o.kind+`"] dt')].find(d => d.textContent === "`+o.term+`");
			return dt && dt.nextSibling.textContent === "`+o.want+`";
		})()`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Errorf("the %s tile's %q: %v, want %q", o.kind, o.term, err, o.want)
		}
	}

	// Counters move: ten successful calls show in the tile; and the event
	// stream is connected.
	for range 10 {
		_ = b.Execute(ctx, func(context.Context) error { return nil })
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`(() => {
		const dt = [...document.querySelectorAll('`+tile+` dt')].find(d => d.textContent === "calls/s");
		return dt && parseFloat(dt.nextSibling.textContent) > 0 &&
			document.getElementById("log").textContent.includes("event stream connected");
	})()`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("the tile's counters after ten calls: %v", err)
	}

	// The page stamps the moment the tile turns red, so the delay measured
	// is the page's, not this test's polling of the page.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector('`+tile+`');
		new MutationObserver(() => { if (el.classList.contains("bad") && !window.redAt) window.redAt = Date.now(); })
			.observe(el, { attributes: true, attributeFilter: ["class"] });
	})()`)); err != nil {
		t.Fatal(err)
	}
	forced := time.Now()
	if err := b.ForceOpen(ctx); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx, chromedp.WaitVisible(tile+`.bad`)); err != nil {
		t.Fatalf("waiting for the red tile: %v", err)
	}
	redAt, err := chromedp.Run(bctx, chromedp.Evaluate[int64](`window.redAt`))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.UnixMilli(redAt).Sub(forced); took > time.Second {
		t.Errorf("the tile turned red %v after ForceOpen, want within 1s", took)
	} else {
		t.Logf("the tile turned red %v after ForceOpen", took)
	}
	colour, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('`+tile+`')).borderTopColor`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](`document.getElementById("log").textContent.includes("circuit_opened")`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("the event log after ForceOpen: %v", err)
	}
	if colour != "rgb(208, 67, 58)" {
		t.Errorf("open tile's colour: got %q, want the red rgb(208, 67, 58)", colour)
	}

	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("BULWARK_SCREENSHOT")
	if path == "" {
		path = filepath.Join(t.TempDir(), "dashboard.png")
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))

	for _, p := range problems() {
		t.Errorf("browser: %s", p)
	}
}

// tileFigure is a figure a tile of kind must show.
type tileFigure struct{ kind, term, want string }

// otherKinds starts an instance of each kind besides the breaker, with
// calls made through it, lists the stateless ones in h, and returns what
// their tiles must show.
func otherKinds(t *testing.T, eng *engine.Engine, h *dashboard.Handler) []tileFigure {
	t.Helper()
	ctx := context.Background()
	bh, err := bulkhead.New(eng, "db", bulkhead.Config{MaxInFlight: 3, MaxWaiting: 2})
	if err != nil {
		t.Fatal(err)
	}
	p, err := bh.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bh.Release(p, messages.Success) })
	ls, err := loadshed.New(eng, "api", loadshed.Config{MaxInFlight: 4})
	if err != nil {
		t.Fatal(err)
	}
	lp, err := ls.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Release(lp, messages.Success) })
	addStateless(t, eng, h)
	return []tileFigure{
		{"bulkhead", "in flight", "1 / 3"},
		{"bulkhead", "queue", "0 / 2"},
		{"loadshed", "in flight", "1 / 4"},
		{"loadshed", "level", "normal"},
		{"hedge", "failure %", "0.0"},
		{"coalesce", "shared", "0"},
		{"cache", "hit %", "50.0"},
	}
}

// After the server goes away and comes back on the same address, the page
// says so and then recovers by itself: tiles refresh and the event stream
// reconnects (a breaker opened after the restart shows in the log).
func TestBrowserReconnectsAfterServerRestart(t *testing.T) {
	bin := chromium(t)
	eng := enginetest.Start(t)
	b := breaker(t, eng, "payments")
	h, err := dashboard.New(eng, dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	bctx, stop := browser(t, bin)
	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(bctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	poll("the page is live", `document.getElementById("conn").textContent === "live" &&
		document.getElementById("log").textContent.includes("event stream connected")`)

	_ = srv.Config.Close() // every connection at once, the page's event stream too
	srv.Close()
	poll("the page notices the server is gone", `document.getElementById("conn").className === "down"`)

	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening again on %s: %v", addr, err)
	}
	again := httptest.NewUnstartedServer(h)
	again.Listener.Close()
	again.Listener = ln
	again.Start()
	defer again.Close()
	defer stop() // the browser first: its event stream would hold Close
	poll("the page is live again", `document.getElementById("conn").textContent === "live" &&
		document.getElementById("log").textContent.split("event stream connected").length === 3`)
	if err := b.ForceOpen(context.Background()); err != nil {
		t.Fatal(err)
	}
	poll("the event of a breaker opened after the restart", `document.getElementById("log").textContent.includes("circuit_opened")`)
}
