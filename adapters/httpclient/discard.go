package httpclient

import (
	"io"
	"net/http"
	"slices"

	"github.com/bulwark-go/bulwark/actors/retry"
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

// DiscardResult is Discard in the shape of a retry policy's OnDiscard hook:
// the retry loop hands it every response it drops (a retried one), never
// the response the caller gets.
func DiscardResult(resp *http.Response, _ error) { Discard(resp) }

// RetryIfStatus returns a predicate for a retry policy's RetryIfResult that
// rejects a response whose status is one of codes. It only looks at the
// status: the responses the loop then drops must be closed by the policy's
// OnDiscard hook (DiscardResult), or their connections are held for good —
// RetryOnStatus sets both. It is safe for concurrent use.
func RetryIfStatus(codes ...int) func(*http.Response) bool {
	codes = slices.Clone(codes)
	return func(resp *http.Response) bool {
		return resp != nil && slices.Contains(codes, resp.StatusCode)
	}
}

// RetryOnStatus returns p retrying a response whose status is one of codes
// (RetryIfStatus) and draining and closing every response it retries
// (OnDiscard(DiscardResult), replacing p's own hook). When the retries run
// out on such a response, the *retry.ExhaustedError's Result is that last
// response, its body unread and open: the caller closes it.
func RetryOnStatus(p retry.Policy[*http.Response], codes ...int) retry.Policy[*http.Response] {
	return p.RetryIfResult(RetryIfStatus(codes...)).OnDiscard(DiscardResult)
}
