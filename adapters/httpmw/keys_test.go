package httpmw_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"testing"

	"github.com/bulwark-go/bulwark/actors/ratelimit"
	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/messages"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tc := range []struct {
		name, remote string
		header       http.Header
		want         string
	}{
		{"no headers", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"spoofed XFF from an untrusted peer", "203.0.113.7:5555", http.Header{"X-Forwarded-For": {"1.2.3.4"}}, "203.0.113.7"},
		{"spoofed Forwarded from an untrusted peer", "203.0.113.7:5555", http.Header{"Forwarded": {"for=1.2.3.4"}}, "203.0.113.7"},
		{"trusted proxy", "10.0.0.2:80", http.Header{"X-Forwarded-For": {"198.51.100.9"}}, "198.51.100.9"},
		{"client prepends a fake hop", "10.0.0.2:80", http.Header{"X-Forwarded-For": {"1.2.3.4, 198.51.100.9"}}, "198.51.100.9"},
		{"two trusted proxies", "10.0.0.2:80", http.Header{"X-Forwarded-For": {"1.2.3.4, 198.51.100.9, 10.1.1.1"}}, "198.51.100.9"},
		{"header on two lines", "10.0.0.2:80", http.Header{"X-Forwarded-For": {"1.2.3.4", "198.51.100.9, 10.1.1.1"}}, "198.51.100.9"},
		{"all hops trusted", "10.0.0.2:80", http.Header{"X-Forwarded-For": {"10.9.9.9, 10.1.1.1"}}, "10.9.9.9"},
		{"garbage hop", "10.0.0.2:80", http.Header{"X-Forwarded-For": {"198.51.100.9, nonsense, 10.1.1.1"}}, "10.1.1.1"},
		{"Forwarded wins", "10.0.0.2:80", http.Header{"Forwarded": {`for="[2001:db8::1]:4711";proto=https, for=10.3.3.3`}, "X-Forwarded-For": {"1.2.3.4"}}, "2001:db8::1"},
		{"Forwarded obfuscated", "10.0.0.2:80", http.Header{"Forwarded": {"for=_hidden"}}, "10.0.0.2"},
		{"X-Real-IP", "[fd00::1]:80", http.Header{"X-Real-Ip": {"198.51.100.9"}}, "198.51.100.9"},
		{"IPv4-mapped peer", "[::ffff:203.0.113.7]:1", nil, "203.0.113.7"},
		{"not an IP", "@unix", nil, "@unix"},
	} {
		key, err := httpmw.ClientIP(trusted...)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.header != nil {
			r.Header = tc.header
		}
		if got := key(r); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, err := httpmw.ClientIP(netip.Prefix{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("invalid prefix: got %v, want a ConfigError", err)
	}
}

// RateLimit on a loopback server: each client has its own limit, answered
// 429 with Retry-After; a spoofed header from an untrusted client does
// not give it a fresh limit; a malformed rate fails at construction.
func TestRateLimitPerClient(t *testing.T) {
	eng := newEngine(t)
	l, err := ratelimit.New(eng, "api", ratelimit.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rate := range []string{"10/week", "0/second", "1/s "} {
		if _, err := httpmw.RateLimit(l, httpmw.Rates{Default: rate}, nil, httpmw.Options{}); !errors.Is(err, messages.ErrInvalidConfig) {
			t.Fatalf("rate %q: got %v, want an invalid-config error", rate, err)
		}
	}
	if _, err := httpmw.RateLimit(nil, httpmw.Rates{Default: "1/second"}, nil, httpmw.Options{}); !errors.Is(err, messages.ErrInvalidConfig) {
		t.Fatalf("nil limiter: got %v", err)
	}

	mw, err := httpmw.RateLimit(l, httpmw.Rates{Default: "2/minute"}, nil, httpmw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, c := server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	var got []int
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("X-Forwarded-For", "192.0.2."+strconv.Itoa(i)) // untrusted: ignored
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if want := []int{200, 200, 429, 429}; !slices.Equal(got, want) {
		t.Fatalf("spoofing client: got %v, want %v", got, want)
	}

	key, _ := httpmw.ClientIP(netip.MustParsePrefix("127.0.0.0/8"))
	mw, err = httpmw.RateLimit(l, httpmw.Rates{Default: "1/minute"}, key, httpmw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, c = server(t, mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	got = got[:0]
	for _, client := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.1"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		req.Header.Set("X-Forwarded-For", client) // from a trusted proxy
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if want := []int{200, 200, 429}; !slices.Equal(got, want) {
		t.Fatalf("behind a trusted proxy: got %v, want %v", got, want)
	}
}
