package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/bulwark-go/bulwark/actors/retry"
	"github.com/bulwark-go/bulwark/engine"
)

// dropped is what OnDiscard received.
type dropped struct {
	v   int
	err error
}

// OnDiscard receives every attempt the loop drops — retried errors and
// rejected results — and never what the caller gets: the success, the
// result the retries ran out on, an error that is not retried.
func TestOnDiscardGetsEveryDroppedAttempt(t *testing.T) {
	odd := func(v int) bool { return v%2 == 1 }
	for _, tc := range []struct {
		name    string
		results []int // the attempts' values; -1 fails with errA
		abort   bool  // errA is not retried
		want    []dropped
		wantV   int
	}{
		{name: "success after an error and a rejected result", results: []int{-1, 1, 2},
			want: []dropped{{-1, errA}, {1, nil}}, wantV: 2},
		{name: "first try", results: []int{2}, wantV: 2},
		{name: "exhausted: the last result is the caller's", results: []int{1, 3, 5},
			want: []dropped{{1, nil}, {3, nil}}, wantV: 5},
		{name: "not retried: the error is the caller's", results: []int{-1}, abort: true, wantV: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := noJitter(retry.Backoff{MaxAttempts: 3})
			if tc.abort {
				cfg.AbortOn = func(error) bool { return true }
			}
			var got []dropped
			p := retry.For[int](h.retry(t, cfg)).RetryIfResult(odd).OnDiscard(func(v int, err error) { got = append(got, dropped{v, err}) })
			i := 0
			fn := func(context.Context) (int, error) {
				v := tc.results[i]
				i++
				if v < 0 {
					return v, errA
				}
				return v, nil
			}
			var v int
			h.run(t, func() { v, _ = p.Do(context.Background(), fn) })
			if !slices.Equal(got, tc.want) || v != tc.wantV {
				t.Fatalf("got %v dropped, %d returned; want %v, %d", got, v, tc.want, tc.wantV)
			}
		})
	}
}

// A caller whose context ended during an attempt gets zero: that
// attempt's result is dropped, and OnDiscard gets it.
func TestOnDiscardWhenTheCallerLeaves(t *testing.T) {
	r, err := retry.New(nil, "test", retry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var got []dropped
	p := retry.For[int](r).OnDiscard(func(v int, err error) { got = append(got, dropped{v, err}) })
	v, err := p.Do(ctx, func(context.Context) (int, error) { cancel(); return 7, nil })
	if v != 0 || !errors.Is(err, context.Canceled) || !slices.Equal(got, []dropped{{7, nil}}) {
		t.Fatalf("got %d, %v, dropped %v; want 0, Canceled, dropped [{7 <nil>}]", v, err, got)
	}
}

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// drainClose gives a dropped response's connection back to the client's
// pool.
func drainClose(resp *http.Response, _ error) {
	if resp != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}

// 20 calls that each see two 503s before a 200, retried on the result with
// OnDiscard draining and closing each dropped response, use one TCP
// connection. Dropping them unclosed (the control) needs one a response.
func TestRetriedResponsesKeepOneConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		// discard is OnDiscard's function; keep collects what it leaves open.
		discard func(keep *[]*http.Response) func(*http.Response, error)
		want    func(n int64) bool
		wantStr string
	}{
		{name: "drained and closed", discard: func(*[]*http.Response) func(*http.Response, error) { return drainClose },
			want: func(n int64) bool { return n == 1 }, wantStr: "1"},
		{name: "left open (control)", discard: func(keep *[]*http.Response) func(*http.Response, error) {
			return func(resp *http.Response, _ error) { *keep = append(*keep, resp) }
		}, want: func(n int64) bool { return n > 20 }, wantStr: "more than 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1)%3 != 0 {
					http.Error(w, "unavailable, try again later", http.StatusServiceUnavailable)
					return
				}
				fmt.Fprint(w, "ok")
			}))
			ln := &countingListener{Listener: srv.Listener}
			srv.Listener = ln
			srv.Start()
			defer srv.Close()
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}

			r, err := retry.New(nil, "http", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: 1}, JitterKind: retry.NoJitter})
			if err != nil {
				t.Fatal(err)
			}
			var open []*http.Response
			defer func() {
				for _, resp := range open {
					drainClose(resp, nil)
				}
			}()
			p := retry.For[*http.Response](r).
				RetryIfResult(func(resp *http.Response) bool { return resp.StatusCode == http.StatusServiceUnavailable }).
				OnDiscard(tc.discard(&open))
			for i := range 20 {
				resp, err := p.Do(context.Background(), func(ctx context.Context) (*http.Response, error) {
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
					if err != nil {
						return nil, err
					}
					return client.Do(req)
				})
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || string(body) != "ok" {
					t.Fatalf("call %d: got %d %q, want 200 \"ok\"", i, resp.StatusCode, body)
				}
			}
			got := ln.accepted.Load()
			t.Logf("20 calls, 60 requests: %d connections", got)
			if !tc.want(got) {
				t.Fatalf("20 calls, 60 requests: got %d connections, want %s", got, tc.wantStr)
			}
		})
	}
}

// The same through a composition: OnDiscard is on the policy, so
// engine.Compose's retry stage drops nothing unclosed either.
func TestOnDiscardInAComposition(t *testing.T) {
	r, err := retry.New(nil, "test", retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var got []dropped
	p := retry.For[int](r).OnDiscard(func(v int, err error) { got = append(got, dropped{v, err}) })
	calls := 0
	v, err := engine.Compose(engine.Policies[int]{Retry: p}).Get(context.Background(), func(context.Context) (int, error) {
		calls++
		if calls == 1 {
			return 9, errA
		}
		return 1, nil
	})
	if v != 1 || err != nil || !slices.Equal(got, []dropped{{9, errA}}) {
		t.Fatalf("got %d, %v, dropped %v; want 1, nil, dropped [{9 error A}]", v, err, got)
	}
}
