package httpmw

import (
	"context"
	"encoding/json"
	"errors"
	"math"
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
//	ErrCircuitOpen, ErrBulkheadFull,
//	ErrShed, ErrBackpressure,
//	ErrLimitExceeded, ErrStopped           503 Service Unavailable
//	ErrTimeout, context.DeadlineExceeded   504 Gateway Timeout
//	anything else                          500 Internal Server Error
func Status(err error) (int, time.Duration) {
	retry, _ := messages.RetryAfter(err)
	switch {
	case errors.Is(err, messages.ErrRateLimited):
		return http.StatusTooManyRequests, retry
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
// Retry-After header in whole seconds (rounded up) when there is a wait, and
// a JSON body naming the pattern, instance and reason. Errors that are not
// Bulwark's are written as a bare 500 without their text.
func WriteError(w http.ResponseWriter, err error) {
	code, retry := Status(err)
	body := rejection{Error: http.StatusText(code)}
	var rej *messages.RejectedError
	if errors.As(err, &rej) {
		body = rejection{Error: rej.Err.Error(), Pattern: rej.Pattern, Name: rej.Name, Reason: rej.Reason}
	} else if code != http.StatusInternalServerError {
		body.Error = sentinelText(err)
	}
	if retry > 0 {
		secs := int(math.Ceil(retry.Seconds()))
		body.RetryAfter = secs
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// sentinelText returns the text of the Bulwark sentinel err wraps.
func sentinelText(err error) string {
	for _, s := range []error{messages.ErrStopped, messages.ErrTimeout, context.DeadlineExceeded} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "unavailable"
}
