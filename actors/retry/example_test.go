package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/bulwark-go/bulwark/actors/retry"
)

func Example() {
	r, err := retry.New(nil, "fetch", retry.Config{
		Backoff:    retry.Backoff{MaxAttempts: 3, InitialDelay: time.Millisecond},
		JitterKind: retry.NoJitter,
	})
	if err != nil {
		panic(err)
	}
	calls := 0
	v, err := retry.Do(context.Background(), r, func(context.Context) (string, error) {
		calls++
		if calls < 3 {
			return "", errors.New("flaky")
		}
		return "ok", nil
	})
	fmt.Println(v, err, calls)
	// Output: ok <nil> 3
}

func ExampleExhaustedError() {
	r, _ := retry.New(nil, "poll", retry.Config{Backoff: retry.Backoff{MaxAttempts: 2, InitialDelay: time.Millisecond}})
	p := retry.For[string](r).RetryIfResult(func(s string) bool { return s == "pending" })
	_, err := p.Do(context.Background(), func(context.Context) (string, error) { return "pending", nil })
	var ee *retry.ExhaustedError
	fmt.Println(errors.Is(err, retry.ErrExhausted), errors.As(err, &ee) && ee.Result == "pending")
	// Output: true true
}

func ExampleRetry_Stats() {
	r, _ := retry.New(nil, "fetch", retry.Config{
		Backoff:    retry.Backoff{MaxAttempts: 3, InitialDelay: time.Millisecond},
		JitterKind: retry.NoJitter,
	})
	flaky := 0
	_ = r.Execute(context.Background(), func(context.Context) error {
		if flaky++; flaky < 2 {
			return errors.New("flaky")
		}
		return nil
	})
	_ = r.Execute(context.Background(), func(context.Context) error { return errors.New("down") })
	st, _ := r.Stats(context.Background())
	fmt.Printf("%d calls, %d attempts, %d failed, %d exhausted, waited %v, last error %q\n",
		st.Calls, st.Attempts, st.FailedAttempts, st.Exhausted, st.TotalDelay, st.LastError)
	// Output: 2 calls, 5 attempts, 4 failed, 1 exhausted, waited 4ms, last error "down"
}

// A retry on an HTTP status: each retried response is drained and closed
// by OnDiscard, so that its connection goes back to the pool; the caller
// gets the last response and closes it as usual.
func ExamplePolicy_OnDiscard() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Attempt") != "3" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	r, err := retry.New(nil, "fetch", retry.Config{Backoff: retry.Backoff{MaxAttempts: 3, InitialDelay: time.Millisecond}})
	if err != nil {
		panic(err)
	}
	p := retry.For[*http.Response](r).
		RetryIfResult(func(resp *http.Response) bool { return resp.StatusCode == http.StatusServiceUnavailable }).
		OnDiscard(func(resp *http.Response, _ error) {
			if resp != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				fmt.Println("discarded", resp.StatusCode)
			}
		})
	attempt := 0
	resp, err := p.Do(context.Background(), func(ctx context.Context) (*http.Response, error) {
		attempt++
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-Attempt", strconv.Itoa(attempt))
		return http.DefaultClient.Do(req)
	})
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// discarded 503
	// discarded 503
	// 200 ok
}
