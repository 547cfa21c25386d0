package httpmw_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bulwark-go/bulwark/adapters/httpmw"
	"github.com/bulwark-go/bulwark/messages"
)

// A limiter that could not decide (its Redis is down and it fails closed, or
// every connection is busy) is not the client's fault: 503, never 429.
func TestStatusOfEveryRefusal(t *testing.T) {
	rl := func(reason string) error {
		return fmt.Errorf("wrapped: %w", &messages.RejectedError{Err: messages.ErrRateLimited,
			Pattern: "ratelimit-redis", Name: "api", Reason: reason, RetryAfter: 2 * time.Second})
	}
	for _, tc := range []struct {
		err       error
		code      int
		retryWant time.Duration
	}{
		{rl("rate_limited"), http.StatusTooManyRequests, 2 * time.Second},
		{rl(messages.ReasonBackendUnavailable), http.StatusServiceUnavailable, 2 * time.Second},
		{rl(messages.ReasonBusy), http.StatusServiceUnavailable, 2 * time.Second},
		{messages.ErrRateLimited, http.StatusTooManyRequests, 0},
		{messages.ErrCircuitOpen, http.StatusServiceUnavailable, 0},
		{messages.ErrStopped, http.StatusServiceUnavailable, 0},
		{messages.ErrTimeout, http.StatusGatewayTimeout, 0},
		{context.DeadlineExceeded, http.StatusGatewayTimeout, 0},
		{fmt.Errorf("boom"), http.StatusInternalServerError, 0},
	} {
		code, retry := httpmw.Status(tc.err)
		if code != tc.code || retry != tc.retryWant {
			t.Errorf("Status(%v): got %d, %v; want %d, %v", tc.err, code, retry, tc.code, tc.retryWant)
		}
	}
}
