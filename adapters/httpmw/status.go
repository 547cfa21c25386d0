package httpmw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwark-go/bulwark/messages"
)

// Status maps an error from a Bulwark pattern to an HTTP status and the
// Retry-After to send with it (zero: none). It is the one place where
// sentinels become status codes:
//
//	ErrRateLimited                         429 Too Many Requests
//	ErrRateLimited by a limiter that could
//	not decide (messages.Undecided: its
//	backend is down, or it is busy)        503 Service Unavailable
//	ErrCircuitOpen, ErrBulkheadFull,
//	ErrShed, ErrBackpressure,
//	ErrLimitExceeded, ErrStopped           503 Service Unavailable
//	ErrTimeout, context.DeadlineExceeded   504 Gateway Timeout
//	anything else                          500 Internal Server Error
func Status(err error) (int, time.Duration) {
	retry, _ := messages.RetryAfter(err)
	switch {
	case errors.Is(err, messages.ErrRateLimited) && !messages.Undecided(err):
		return http.StatusTooManyRequests, retry
	case errors.Is(err, messages.ErrRateLimited):
		return http.StatusServiceUnavailable, retry
	case errors.Is(err, messages.ErrCircuitOpen), errors.Is(err, messages.ErrBulkheadFull),
		errors.Is(err, messages.ErrShed), errors.Is(err, messages.ErrBackpressure),
		errors.Is(err, messages.ErrLimitExceeded), errors.Is(err, messages.ErrStopped):
		return http.StatusServiceUnavailable, retry
	case errors.Is(err, messages.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, retry
	}
	return http.StatusInternalServerError, 0
}

// rejection is the JSON body of a rejected request.
type rejection struct {
	Error      string `json:"error"`
	Pattern    string `json:"pattern,omitempty"`
	Name       string `json:"name,omitempty"`
	Reason     string `json:"reason,omitempty"`
	RetryAfter int    `json:"retry_after_seconds,omitempty"`
}

// WriteError writes err as a rejection: the status from Status, a
// Retry-After header in whole seconds (rounded up) — for every refusal
// (messages.IsRefusal), the wait it carries or else DefaultRetryAfterHint;
// for any other error, the wait it carries if any — and a JSON body naming
// the pattern, instance and reason of a *messages.RejectedError. A 429
// also carries the RateLimit header field, and RateLimit-Policy when err
// is a *RateLimitError (see RateLimitHeaders). The body's "error" is the
// text of the Bulwark sentinel err wraps, or the status text: never err's
// own text, which may carry internal detail. A refusal is marked for the
// Bulwark guards around w (Options.ClassifyRefusal).
func WriteError(w http.ResponseWriter, err error) { writeError(w, err, 0) }

// writeError is WriteError that sends hint (0: DefaultRetryAfterHint) as
// the wait of a refusal that carries none.
func writeError(w http.ResponseWriter, err error, hint time.Duration) {
	refusal := messages.IsRefusal(err)
	if refusal {
		markRefusal(w, err)
	}
	code, retry := Status(err)
	if retry <= 0 && refusal {
		retry = hint
		if retry <= 0 {
			retry = DefaultRetryAfterHint
		}
	}
	body := rejection{Error: errorText(err, code)}
	var rej *messages.RejectedError
	if errors.As(err, &rej) {
		body.Pattern, body.Name, body.Reason = rej.Pattern, rej.Name, rej.Reason
	}
	h := w.Header()
	if retry > 0 {
		secs := ceilSeconds(retry)
		body.RetryAfter = secs
		h.Set("Retry-After", strconv.Itoa(secs))
	}
	if code == http.StatusTooManyRequests {
		limit, policy := RateLimitHeaders(err)
		h.Set("RateLimit", limit)
		if policy != "" {
			h.Set("RateLimit-Policy", policy)
		}
	}
	b, _ := json.Marshal(body) // plain strings and numbers: never fails
	b = append(b, '\n')
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// ceilSeconds is d in whole seconds, rounded up (at least 1 for a positive
// d, 0 for any other), and at most a day.
func ceilSeconds(d time.Duration) int {
	switch {
	case d <= 0:
		return 0
	case d >= 24*time.Hour:
		return 24 * 3600
	}
	return int((d + time.Second - 1) / time.Second)
}

// sentinels are the errors whose text WriteError may show.
var sentinels = []error{
	messages.ErrRateLimited, messages.ErrCircuitOpen, messages.ErrBulkheadFull, messages.ErrShed,
	messages.ErrBackpressure, messages.ErrLimitExceeded, messages.ErrStopped, messages.ErrTimeout,
	context.DeadlineExceeded,
}

// errorText returns the text of the Bulwark sentinel err wraps, or code's
// status text.
func errorText(err error, code int) string {
	if code != http.StatusInternalServerError {
		for _, s := range sentinels {
			if errors.Is(err, s) {
				return s.Error()
			}
		}
	}
	return http.StatusText(code)
}
