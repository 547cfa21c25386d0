package httpclient

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter is the longest wait RetryAfter returns: a longer one, in
// seconds or as a date, is capped to it.
const MaxRetryAfter = 24 * time.Hour

// RetryAfter returns the wait resp's Retry-After header asks for at now
// (RFC 9110 §10.2.3: whole seconds, or an HTTP-date), capped at
// MaxRetryAfter, and whether there was a valid one. A date in the past is
// a wait of 0. A nil resp has none.
func RetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, false
		}
		if err != nil || secs > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	return min(max(d, 0), MaxRetryAfter), true
}
