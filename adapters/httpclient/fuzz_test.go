package httpclient_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/adapters/httpclient"
	"github.com/bulwark-go/bulwark/messages"
)

// countingBody counts what was read from it and whether it was closed.
type countingBody struct {
	r      io.Reader
	read   int
	closed bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error { b.closed = true; return nil }

// FuzzRetryIfStatus: the predicate rejects exactly the listed statuses and
// leaves the body alone; DiscardResult drains at most MaxDrain bytes and
// closes it.
func FuzzRetryIfStatus(f *testing.F) {
	f.Add([]byte{0x01, 0xf7, 0x01, 0xf6}, uint16(503), uint32(10)) // 503, 502
	f.Add([]byte{0x01, 0xf7}, uint16(200), uint32(0))
	f.Add([]byte{}, uint16(503), uint32(1<<20))
	f.Add([]byte{0x01, 0xad}, uint16(429), uint32(1<<20)) // 429 with a long body
	f.Fuzz(func(t *testing.T, raw []byte, status uint16, bodyLen uint32) {
		codes := raw2codes(raw)
		bodyLen %= 4 << 20
		body := &countingBody{r: io.LimitReader(zeros{}, int64(bodyLen))}
		resp := &http.Response{StatusCode: int(status), Body: body}
		pred := httpclient.RetryIfStatus(codes...)
		if len(codes) > 0 {
			codes[0] = -1 // the predicate keeps its own copy
		}
		want := slices.Contains(raw2codes(raw), int(status))
		if got := pred(resp); got != want {
			t.Fatalf("codes %v, status %d: got %v, want %v", raw2codes(raw), status, got, want)
		}
		if body.closed || body.read != 0 {
			t.Fatalf("status %d: the predicate closed %v, read %d", status, body.closed, body.read)
		}
		httpclient.DiscardResult(resp, nil)
		if !body.closed || body.read != min(int(bodyLen), httpclient.MaxDrain) {
			t.Fatalf("discarded: body closed %v, read %d of %d", body.closed, body.read, bodyLen)
		}
	})
}

func raw2codes(raw []byte) []int {
	var codes []int
	for i := 0; i+1 < len(raw); i += 2 {
		codes = append(codes, int(binary.BigEndian.Uint16(raw[i:])))
	}
	return codes
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

var fuzzErrors = []error{nil, errors.New("connection refused"), context.Canceled, context.DeadlineExceeded, messages.ErrCircuitOpen}

// FuzzTransportOutcome: every round trip releases its permit once, with
// ClassifyResponse's outcome, or Ignored when the caller cancelled its
// request (with any cause) and the trip failed.
func FuzzTransportOutcome(f *testing.F) {
	f.Add(uint16(200), uint8(0), false, "")
	f.Add(uint16(503), uint8(0), true, "")
	f.Add(uint16(0), uint8(1), true, "sibling failed")
	f.Add(uint16(0), uint8(3), false, "")
	f.Fuzz(func(t *testing.T, status uint16, errIdx uint8, cancel bool, cause string) {
		status = 100 + status%500
		rtErr := fuzzErrors[int(errIdx)%len(fuzzErrors)]
		ctx, stop := context.WithCancelCause(context.Background())
		defer stop(nil)
		if cancel {
			var c error
			if cause != "" {
				c = errors.New(cause)
			}
			stop(c)
		}
		base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if rtErr != nil {
				return nil, rtErr
			}
			return &http.Response{StatusCode: int(status), Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
		})
		g := &fakeGuard{}
		req := httptest.NewRequest(http.MethodGet, "http://backend.invalid/", nil).WithContext(ctx)
		resp, err := (&httpclient.Transport{Base: base, Guard: g}).RoundTrip(req)
		want := httpclient.ClassifyResponse(resp, err)
		if err != nil && cancel {
			want = messages.Ignored
		}
		if len(g.released) != 1 || g.released[0] != want {
			t.Fatalf("status %d, err %v, cancelled %v: released %v, want [%v]", status, rtErr, cancel, g.released, want)
		}
	})
}

// FuzzRetryAfter: any header value is a wait in [0, MaxRetryAfter] or none.
func FuzzRetryAfter(f *testing.F) {
	f.Add("120", int64(0))
	f.Add("Sun, 29 Nov 2026 12:01:30 GMT", int64(1795953600))
	f.Add("99999999999999999999999", int64(0))
	f.Add("Mon, 01 Jan 0001 00:00:00 GMT", int64(math.MaxInt32))
	f.Fuzz(func(t *testing.T, v string, nowUnix int64) {
		resp := &http.Response{Header: http.Header{"Retry-After": {v}}}
		d, ok := httpclient.RetryAfter(resp, time.Unix(nowUnix, 0))
		if d < 0 || d > httpclient.MaxRetryAfter || !ok && d != 0 {
			t.Fatalf("%q: got %v %v", v, d, ok)
		}
	})
}

// FuzzRetryTransport: whatever the attempts answer (statuses, Retry-After
// values, connection errors), a RetryTransport makes at most MaxAttempts
// attempts (one for a request it may not replay), closes the body of
// every response it does not return, and returns the last attempt's
// response unread or its error.
func FuzzRetryTransport(f *testing.F) {
	f.Add([]byte{0, 1, 2}, uint8(3), false, "1")
	f.Add([]byte{3, 3, 3, 3}, uint8(4), true, "")
	f.Add([]byte{4, 0}, uint8(2), false, "Mon, 01 Jan 0001 00:00:00 GMT")
	f.Fuzz(func(t *testing.T, plan []byte, maxAttempts uint8, post bool, retryAfter string) {
		statuses := []int{200, 503, 429, 502, 0 /* a connection error */, 404, 500}
		n := int(maxAttempts%5) + 1
		var bodies []*bodyCloser
		attempts := 0
		base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.Body != nil {
				io.Copy(io.Discard, req.Body)
				req.Body.Close()
			}
			s := statuses[0]
			if attempts < len(plan) {
				s = statuses[int(plan[attempts])%len(statuses)]
			}
			attempts++
			if s == 0 {
				return nil, errors.New("connection reset")
			}
			b := &bodyCloser{Reader: strings.NewReader("body")}
			bodies = append(bodies, b)
			return &http.Response{StatusCode: s, Header: http.Header{"Retry-After": {retryAfter}}, Body: b, Request: req}, nil
		})
		rt, err := httpclient.NewRetryTransport(nil, base, httpclient.RetryConfig{
			Retry: retry.Config{Backoff: retry.Backoff{MaxAttempts: n, InitialDelay: time.Nanosecond, MaxDelay: time.Nanosecond}, JitterKind: retry.NoJitter}})
		if err != nil {
			t.Fatal(err)
		}
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "http://backend.invalid/", strings.NewReader("x"))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("x")), nil }
		resp, err := rt.RoundTrip(req)
		limit := n
		if post {
			limit = 1
		}
		if attempts < 1 || attempts > limit {
			t.Fatalf("%d attempts, want 1 to %d", attempts, limit)
		}
		if (resp == nil) == (err == nil) {
			t.Fatalf("got %v and %v: want exactly one", resp, err)
		}
		for i, b := range bodies {
			if returned := resp != nil && resp.Body == b; returned == b.closed.Load() {
				t.Fatalf("attempt %d's body: returned %v, closed %v", i, returned, b.closed.Load())
			}
		}
		if resp != nil && resp.Body != bodies[len(bodies)-1] {
			t.Fatal("returned a response that is not the last attempt's")
		}
	})
}
