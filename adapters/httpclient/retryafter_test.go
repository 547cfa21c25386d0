package httpclient_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/adapters/httpclient"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"99999999999999999999999", httpclient.MaxRetryAfter, true},
		{"86401", httpclient.MaxRetryAfter, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Sun, 29 Nov 2026 12:01:30 GMT", 90 * time.Second, true},
		{"Sunday, 29-Nov-26 12:00:10 GMT", 10 * time.Second, true},
		{"Sun Nov 29 12:00:05 2026", 5 * time.Second, true},
		{"Sun, 29 Nov 2026 11:00:00 GMT", 0, true},
		{"Fri, 31 Dec 2100 00:00:00 GMT", httpclient.MaxRetryAfter, true},
	} {
		resp := &http.Response{Header: http.Header{}}
		if tc.header != "" {
			resp.Header.Set("Retry-After", tc.header)
		}
		got, ok := httpclient.RetryAfter(resp, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Retry-After %q: got %v %v, want %v %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := httpclient.RetryAfter(nil, now); ok {
		t.Error("a nil response has a Retry-After")
	}
}
