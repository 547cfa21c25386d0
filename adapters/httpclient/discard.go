package httpclient

import (
	"io"
	"net/http"
	"slices"
)

// MaxDrain is how many bytes of a discarded response's body Discard reads
// so that its connection can carry the next request; a connection whose
// response has more left is closed instead.
const MaxDrain = 64 << 10

// Discard drains (up to MaxDrain bytes) and closes resp's body, so that its
// connection goes back to the pool. Reading stops when the request's
// context ends. A nil resp or body is nothing to do.
func Discard(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, MaxDrain)
	_ = resp.Body.Close()
}

// RetryIfStatus returns a predicate for a retry policy's RetryIfResult
// (retry.For[*http.Response](r).RetryIfResult) that rejects a response
// whose status is one of codes. It Discards every response it rejects: the
// retry loop drops the responses it retries, and an unread, unclosed body
// holds its connection for good. When the retries run out on a rejected
// response, the *retry.ExhaustedError's Result is that response with its
// status and headers, its body already closed. It is safe for concurrent
// use.
func RetryIfStatus(codes ...int) func(*http.Response) bool {
	codes = slices.Clone(codes)
	return func(resp *http.Response) bool {
		if resp == nil || !slices.Contains(codes, resp.StatusCode) {
			return false
		}
		Discard(resp)
		return true
	}
}
