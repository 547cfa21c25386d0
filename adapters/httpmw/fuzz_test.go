package httpmw_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/messages"
)

var fuzzSentinels = []error{
	messages.ErrRateLimited, messages.ErrCircuitOpen, messages.ErrBulkheadFull, messages.ErrShed,
	messages.ErrBackpressure, messages.ErrLimitExceeded, messages.ErrStopped, messages.ErrTimeout,
	messages.ErrRetriesExhausted, messages.ErrInvalidConfig, nil,
}

// FuzzWriteError: any error, rejection or not, is written as one of the
// four statuses with a JSON body whose "error" is a sentinel's or the
// status's text, and a Retry-After that is the rejection's wait rounded up
// (at most a day), or 1 s for a refusal without one.
func FuzzWriteError(f *testing.F) {
	f.Add(uint8(0), true, "ratelimit", "api", "rate_limit_exceeded", "", int64(250*time.Millisecond))
	f.Add(uint8(1), true, "circuitbreaker", "db", "open", "", int64(-1))
	f.Add(uint8(200), true, "custom", "quota", "", "host db-7 user alice", int64(time.Second))
	f.Add(uint8(10), true, "", "", "", "", int64(0))
	f.Add(uint8(7), false, "", "", "", "wrapped: secret", int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, which uint8, rejected bool, pattern, name, reason, text string, retryAfter int64) {
		var err error
		if int(which) < len(fuzzSentinels) {
			err = fuzzSentinels[which]
		} else {
			err = errors.New(text)
		}
		var rej *messages.RejectedError
		if rejected {
			rej = &messages.RejectedError{Err: err, Pattern: pattern, Name: name, Reason: reason, RetryAfter: time.Duration(retryAfter)}
			err = rej
		} else if err != nil {
			err = fmt.Errorf("%s: %w", text, err)
		}
		w := httptest.NewRecorder()
		httpmw.WriteError(w, err)
		code, retry := httpmw.Status(err)
		if w.Code != code || (code != 429 && code != 500 && code != 503 && code != 504) {
			t.Fatalf("%v: wrote %d, Status says %d", err, w.Code, code)
		}
		var body map[string]any
		if jerr := json.Unmarshal(w.Body.Bytes(), &body); jerr != nil {
			t.Fatalf("%v: body %q is not JSON: %v", err, w.Body.String(), jerr)
		}
		allowed := map[string]bool{http.StatusText(code): true}
		for _, s := range fuzzSentinels[:8] {
			allowed[s.Error()] = true
		}
		allowed[errors.New("context deadline exceeded").Error()] = true
		if e, _ := body["error"].(string); !allowed[e] {
			t.Fatalf("%v: body error %q is not a sentinel's or status text", err, e)
		}
		valid := func(s string) string { // as encoding/json writes it
			b, _ := json.Marshal(s)
			var out string
			json.Unmarshal(b, &out)
			return out
		}
		if rej != nil && (body["name"] != nil && body["name"] != valid(name) || body["pattern"] != nil && body["pattern"] != valid(pattern)) {
			t.Fatalf("%v: body %v does not name the rejection", err, body)
		}
		ra := w.Header().Get("Retry-After")
		if code == 429 && !strings.HasSuffix(w.Header().Get("RateLimit"), ";r=0;t="+ra) {
			t.Fatalf("%v: 429 with RateLimit %q, Retry-After %q", err, w.Header().Get("RateLimit"), ra)
		}
		if retry <= 0 {
			want := ""
			if messages.IsRefusal(err) {
				want = "1" // DefaultRetryAfterHint: every refusal says when to come back
			}
			if ra != want {
				t.Fatalf("%v: Retry-After %q without a wait, want %q", err, ra, want)
			}
			return
		}
		secs, perr := strconv.Atoi(ra)
		if perr != nil || time.Duration(secs)*time.Second < retry && secs != 86400 || secs > 86400 {
			t.Fatalf("%v: Retry-After %q for a wait of %v", err, ra, retry)
		}
	})
}

// FuzzRecorder: whatever a handler writes — statuses 1xx to 5xx in any
// order, bodies, flushes — the guard reports the outcome of the first final
// status (200 if the body came first), once.
func FuzzRecorder(f *testing.F) {
	f.Add([]byte{3, 103 - 100, 0, 200, 1, 0}) // 103 then 500 (400+100)
	f.Add([]byte{0, 100, 1, 0, 0, 150})       // 200, write, 250
	f.Add([]byte{2, 0, 0, 255})               // flush, then a late 355
	f.Add([]byte{0, 1, 0, 3, 0, 4, 0, 1})     // 101 is final
	f.Add([]byte{})                           // nothing written
	f.Fuzz(func(t *testing.T, ops []byte) {
		want := 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			wrote := false
			for i := 0; i+1 < len(ops); i += 2 {
				switch ops[i] % 4 {
				case 0, 3:
					c := 100 + int(ops[i+1])
					if ops[i]%4 == 3 {
						c += 400 - 100 // a 5xx more often
					}
					c = min(c, 599)
					if wrote && c >= 200 {
						continue // net/http ignores a second final status
					}
					if want == 0 && (c >= 200 || c == 101) {
						want = c
					}
					if c >= 200 || c == 101 {
						wrote = true
					}
					w.WriteHeader(c)
				case 1:
					if want == 0 {
						want = 200
					}
					wrote = true
					w.Write(ops[i : i+2])
				case 2:
					if want == 0 {
						want = 200
					}
					wrote = true
					w.(http.Flusher).Flush()
				}
			}
		})
		g := &fakeGuard{}
		httpmw.Guard(g, httpmw.Options{})(h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api", nil))
		if want == 0 {
			want = 200
		}
		if len(g.released) != 1 || g.released[0] != httpmw.ClassifyStatus(want) {
			t.Fatalf("ops %v: released %v, want [%v] (status %d)", ops, g.released, httpmw.ClassifyStatus(want), want)
		}
	})
}

// FuzzOptions: any ExcludePaths is a ConfigError from both Validate and New,
// or a middleware under which each listed path bypasses the guard and
// other paths do not.
func FuzzOptions(f *testing.F) {
	f.Add("/health\n/ready")
	f.Add("health")
	f.Add("")
	f.Add("/\n/a b\n/%zz")
	f.Fuzz(func(t *testing.T, list string) {
		paths := strings.Split(list, "\n")
		opts := httpmw.Options{ExcludePaths: paths}
		verr := opts.Validate()
		mw, nerr := httpmw.New(&fakeGuard{reject: messages.ErrShed}, opts)
		if (verr == nil) != (nerr == nil) {
			t.Fatalf("%q: Validate %v, New %v", paths, verr, nerr)
		}
		var ce *messages.ConfigError
		if nerr != nil {
			if !errors.As(nerr, &ce) || ce.Field != "ExcludePaths" {
				t.Fatalf("%q: got %v, want a ConfigError naming ExcludePaths", paths, nerr)
			}
			return
		}
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
		listed := map[string]bool{}
		for _, p := range paths {
			listed[p] = true
		}
		for _, p := range append(paths, "/not-listed-"+list) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Header: http.Header{}})
			if want := map[bool]int{true: 204, false: 503}[listed[p]]; w.Code != want {
				t.Fatalf("%q: path %q got %d, want %d", paths, p, w.Code, want)
			}
		}
	})
}

// FuzzClientIP: whatever the peer and its headers, the key is an address;
// a peer that is not trusted is its own key, whatever it forwards; a key
// taken from the headers is never a trusted address unless every hop was.
func FuzzClientIP(f *testing.F) {
	f.Add("203.0.113.7:1", "1.2.3.4", "", "")
	f.Add("10.0.0.1:1", "1.2.3.4, 198.51.100.9, 10.1.1.1", "", "")
	f.Add("10.0.0.1:1", "", `for="[2001:db8::1]:4711", for=10.2.2.2`, "")
	f.Add("[fd00::1]:80", "", "", "198.51.100.9")
	f.Add("10.0.0.1:1", "garbage,,, ", "for=;for", "x")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	key, err := httpmw.ClientIP(trusted...)
	if err != nil {
		f.Fatal(err)
	}
	isTrusted := func(a netip.Addr) bool { return trusted[0].Contains(a) || trusted[1].Contains(a) }
	f.Fuzz(func(t *testing.T, remote, xff, fwd, real string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		for k, v := range map[string]string{"X-Forwarded-For": xff, "Forwarded": fwd, "X-Real-Ip": real} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		got := key(r)
		peer, perr := netip.ParseAddrPort(remote)
		if perr != nil {
			return // other peer forms: the key only has to exist
		}
		a, aerr := netip.ParseAddr(got)
		if aerr != nil {
			t.Fatalf("peer %q: key %q is not an address", remote, got)
		}
		p := peer.Addr().Unmap().WithZone("")
		if !isTrusted(p) && a != p {
			t.Fatalf("untrusted peer %q got key %q from its headers", remote, got)
		}
	})
}

// FuzzRateLimitHeaders: whatever the policy name, rate and wait, the
// RateLimit and RateLimit-Policy values are one structured-field Item each
// (RFC 9651): a String that unescapes to the name (bytes outside printable
// ASCII as '?'), then r=0;t=<wait in whole seconds, rounded up, at most a
// day> and q=<count>;w=<period in seconds>.
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add("default", int64(10), int64(time.Minute), int64(250*time.Millisecond))
	f.Add(`GET /a/"{id}"\`, int64(1), int64(time.Second), int64(0))
	f.Add("caf\xc3\xa9\n", int64(1<<40), int64(24*time.Hour), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, name string, count, period, wait int64) {
		count = max(count, 1)
		period = max(period&(1<<62-1), 1)
		rl := &httpmw.RateLimitError{
			Err:    &messages.RejectedError{Err: messages.ErrRateLimited, RetryAfter: time.Duration(wait)},
			Policy: name,
			Rate:   ratelimit.Rate{Count: count, Period: time.Duration(period)},
		}
		limit, policy := httpmw.RateLimitHeaders(rl)
		gotName, params := parseSFItem(t, limit)
		want := []byte(name)
		for i, c := range want {
			if c < 0x20 || c > 0x7e {
				want[i] = '?'
			}
		}
		if gotName != string(want) {
			t.Fatalf("RateLimit %q names %q, want %q", limit, gotName, want)
		}
		var secs int64
		switch {
		case wait >= int64(24*time.Hour):
			secs = 86400
		case wait > 0:
			secs = (wait + int64(time.Second) - 1) / int64(time.Second)
		}
		if params != ";r=0;t="+strconv.FormatInt(secs, 10) {
			t.Fatalf("RateLimit %q for a wait of %v: want t=%d", limit, time.Duration(wait), secs)
		}
		pName, pParams := parseSFItem(t, policy)
		w := (period + int64(time.Second) - 1) / int64(time.Second)
		if pName != gotName || pParams != ";q="+strconv.FormatInt(count, 10)+";w="+strconv.FormatInt(w, 10) {
			t.Fatalf("RateLimit-Policy %q for %d per %v", policy, count, time.Duration(period))
		}
	})
}

// parseSFItem splits an Item whose bare item is a String into the
// unescaped string and the parameters after it, failing on anything that
// is not a valid String.
func parseSFItem(t *testing.T, v string) (string, string) {
	t.Helper()
	if len(v) < 2 || v[0] != '"' {
		t.Fatalf("%q does not start with a String", v)
	}
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\':
			if i+1 >= len(v) || v[i+1] != '"' && v[i+1] != '\\' {
				t.Fatalf("%q: a bad escape at %d", v, i)
			}
			i++
			b.WriteByte(v[i])
		case c == '"':
			return b.String(), v[i+1:]
		case c < 0x20 || c > 0x7e:
			t.Fatalf("%q: byte %#x in a String", v, c)
		default:
			b.WriteByte(c)
		}
	}
	t.Fatalf("%q: an unterminated String", v)
	return "", ""
}
